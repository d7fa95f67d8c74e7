"""The states a run can show, and the thresholds that decide between them.

The system monitor (process linkage, :mod:`tfwatch.system.run_state`) gives ``running``,
``stalled``, ``finished``, ``crashed`` or ``unknown``; without it, the recency of the
run's last sign of life gives ``running``, ``idle``, ``finished`` or ``gone``. Both
vocabularies are this one enum.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfwatch.model.text_enum import TextEnum


class RunState(TextEnum):
    """What a run is doing now (the value is the word every output shows)."""

    RUNNING = "running"
    STALLED = "stalled"
    IDLE = "idle"
    FINISHED = "finished"
    CRASHED = "crashed"
    UNKNOWN = "unknown"
    GONE = "gone"


#: Every state a run can show, in display order: the system monitor's five, then the
#: recency fallbacks.
ALL_STATES: tuple[RunState, ...] = tuple(RunState)
#: States of a run that will write no more steps.
ENDED_STATES = frozenset({RunState.FINISHED, RunState.CRASHED, RunState.GONE})
#: States in which a run is not stepping now: no training speed is shown for them.
NOT_STEPPING_STATES = ENDED_STATES | {RunState.STALLED, RunState.IDLE}

#: Without a system state, a run that wrote within this many seconds is ``running``…
RUNNING_SECONDS = 30.0
#: …and within this many ``idle`` (after that ``finished``).
IDLE_SECONDS = 15 * 60.0


@dataclass(frozen=True)
class StateThresholds:
    """The knobs of the system monitor's classification (defaults suit real training
    runs; see :mod:`tfwatch.system.run_state` for the rules they feed)."""

    #: Never call a run stalled before this many seconds of silence.
    stall_floor_s: float = 180.0
    #: Silence longer than this many usual intervals is a stall.
    stall_factor: float = 5.0
    #: How long before its last sighting a dying writer must have been silent to be
    #: taken as killed rather than closed.
    exit_grace_s: float = 15.0

    def stall_threshold(self, cadence: float | None) -> float:
        """Seconds of silence after which a live writer is stalled."""
        return max(self.stall_floor_s, self.stall_factor * (cadence or 0.0))


#: The thresholds used unless a caller passes its own.
DEFAULT_THRESHOLDS = StateThresholds()
