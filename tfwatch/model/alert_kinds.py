"""The kinds of health alert tfwatch raises itself (plugins add kinds of their own)."""

from __future__ import annotations

from tfwatch.model.text_enum import TextEnum


class AlertKind(TextEnum):
    """A built-in alert kind (the value is the word every output shows). Declared in the
    order alerts are listed for one run; :attr:`DETECTOR_ERROR` (a failing detector)
    comes after every other kind."""

    NAN = "nan"
    DIVERGING = "diverging"
    EXPLODING_GRAD = "exploding_grad"
    CRASHED = "crashed"
    STALLED = "stalled"
    PLATEAU = "plateau"
    CONVERGED = "converged"
    OSCILLATING = "oscillating"
    FROZEN = "frozen"
    TWO_WRITERS = "two_writers"
    TOO_FREQUENT = "too_frequent"
    NODE_DOWN = "node_down"
    GPU_IDLE = "gpu_idle"
    NO_PROGRESS = "no_progress"
    DETECTOR_ERROR = "detector_error"


#: The kinds the built-in detectors raise, in the order alerts are listed for one run.
ALERT_KINDS: tuple[AlertKind, ...] = tuple(
    k for k in AlertKind if k is not AlertKind.DETECTOR_ERROR
)


#: Kinds that are information, not warnings: good news or advice (a run that converged
#: could stop early). They never fail ``tfwatch check``, and the app does not ring for them.
INFO_KINDS: frozenset[str] = frozenset({AlertKind.CONVERGED})


def alert_severity(kind: str) -> str:
    """``"info"`` for :data:`INFO_KINDS`, ``"warning"`` for every other kind (plugins'
    kinds included)."""
    return "info" if kind in INFO_KINDS else "warning"
