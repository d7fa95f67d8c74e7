"""Detector thresholds: frozen dataclasses with defaults, and per-tag overrides.

Each field's ``metadata["min"]`` is the smallest value the config loader accepts; the
docstring of each field (the ``#:`` comment) is what docs/health.md documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from tfwatch.tag_patterns import matches_any

S = TypeVar("S", bound="DetectorSettings")


def _at_least(minimum: float) -> dict[str, float]:
    return {"min": minimum}


@dataclass(frozen=True)
class TagOverride:
    """Settings that replace a detector's defaults for tags matching ``pattern``."""

    pattern: str
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class DetectorSettings:
    """Settings every detector has."""

    #: Run the detector at all.
    enabled: bool = True
    #: Glob patterns of the tags to watch; empty = the detector's own default choice.
    tags: tuple[str, ...] = ()
    #: Glob patterns of tags never to watch.
    ignore: tuple[str, ...] = ()
    #: Per-tag-pattern overrides, first match wins (``[[detectors.NAME.tag]]``).
    overrides: tuple[TagOverride, ...] = ()

    def for_tag(self: S, tag: str) -> S:
        """These settings with the first override matching ``tag`` applied."""
        for override in self.overrides:
            if matches_any(tag, [override.pattern]):
                return replace(self, **dict(override.values))
        return self

    def watches(self, tag: str, default: Callable[[str], bool]) -> bool:
        """Whether to check ``tag`` (call on the result of :meth:`for_tag`)."""
        if not self.enabled or matches_any(tag, self.ignore):
            return False
        return matches_any(tag, self.tags) if self.tags else default(tag)


@dataclass(frozen=True)
class NanSettings(DetectorSettings):
    """``nan``: the first non-finite value of a scalar. Watches every scalar by default."""


@dataclass(frozen=True)
class DivergingSettings(DetectorSettings):
    """``diverging``: a quality metric moving the wrong way for good."""

    #: Consecutive points the smoothed metric must stay past the thresholds.
    window: int = field(default=10, metadata=_at_least(1))
    #: How far past its best it must be, in units of its own point noise…
    sigmas: float = field(default=4.0, metadata=_at_least(0))
    #: …and as a share of the improvement made so far (0.5 = gave back half).
    giveback: float = field(default=0.5, metadata=_at_least(0))
    #: A loss whose smoothed value exceeds its early level by this factor diverges too.
    factor: float = field(default=3.0, metadata=_at_least(1))
    #: Points that define the early level.
    early_points: int = field(default=10, metadata=_at_least(1))
    #: Fewer finite points than this: no judgement yet.
    min_points: int = field(default=20, metadata=_at_least(2))


@dataclass(frozen=True)
class PlateauSettings(DetectorSettings):
    """``plateau`` / ``converged``: Keras ``EarlyStopping`` over per-evaluation tags, a
    trend test over per-step tags; then stalled (``plateau``) or finished (``converged``)."""

    #: Evaluations without improvement before EarlyStopping would stop.
    patience: int = field(default=10, metadata=_at_least(1))
    #: Smallest change that counts as an improvement (Keras ``min_delta``).
    min_delta: float = field(default=0.0, metadata=_at_least(0))
    #: Ignore the first evaluations (Keras ``start_from_epoch``).
    start_from: int = field(default=0, metadata=_at_least(0))
    #: TensorBoard smoothing applied before the rule; 0 = the raw values, exactly as Keras.
    smoothing: float = field(default=0.0, metadata={"min": 0.0, "max": 0.999})
    #: Per-step tags (not evaluations): the flat stretch is sought by lengthening it, from
    #: the end back, by half this share of the recent points at a time.
    window: float = field(default=0.2, metadata={"min": 0.01, "max": 1.0})
    #: Per-step tags: no judgement with fewer finite points.
    min_points: int = field(default=50, metadata=_at_least(10))
    #: Per-step tags: flat when the change over the window is confidently within this
    #: share of the progress made before it.
    flat_share: float = field(default=0.02, metadata=_at_least(0))
    #: Per-step tags that never moved: flat when the change over all their points is
    #: confidently within this many noise units (one point's noise).
    flat_sigmas: float = field(default=1.0, metadata=_at_least(0))
    #: Real progress: the metric improved by more than this many noise units before it
    #: went flat; without it a flat metric is a ``plateau`` (it never learned).
    progress_sigmas: float = field(default=3.0, metadata=_at_least(0))
    #: A flat metric that was still improving by more than this share of its progress in
    #: the stretch just before it went flat stalled (``plateau``); one that had slowed down
    #: to less ``converged``.
    stall_share: float = field(default=0.1, metadata=_at_least(0))


@dataclass(frozen=True)
class OscillatingSettings(DetectorSettings):
    """``oscillating``: swings far larger than the trend explains."""

    #: Recent points examined.
    window: int = field(default=30, metadata=_at_least(8))
    #: Alert when the swings' standard deviation exceeds this share of the metric's range.
    ratio: float = field(default=0.2, metadata=_at_least(0))
    #: Fewer finite points than this: no judgement yet.
    min_points: int = field(default=40, metadata=_at_least(5))


@dataclass(frozen=True)
class FrozenSettings(DetectorSettings):
    """``frozen``: a histogram (weights) identical across records while steps advance."""

    #: Consecutive identical records (at increasing steps) needed.
    records: int = field(default=3, metadata=_at_least(2))
    #: Relative tolerance for "identical".
    rtol: float = field(default=1e-10, metadata=_at_least(0))


@dataclass(frozen=True)
class ExplodingGradSettings(DetectorSettings):
    """``exploding_grad``: a gradient norm jumping by orders of magnitude."""

    tags: tuple[str, ...] = ("*grad*norm*",)
    #: Alert when a point exceeds the preceding median by this factor (100 = 2 orders).
    factor: float = field(default=100.0, metadata=_at_least(1))
    #: Preceding points whose median is the baseline.
    baseline: int = field(default=50, metadata=_at_least(3))
    #: Only jumps within the last this-many points count (older ones have cleared).
    window: int = field(default=20, metadata=_at_least(1))


@dataclass(frozen=True)
class StalledSettings(DetectorSettings):
    """``stalled`` / ``crashed``: a run that was writing and stopped."""

    #: Silent for more than this many times its usual gap between events…
    factor: float = field(default=10.0, metadata=_at_least(1))
    #: …and at least this many seconds (writers flush every 10–120 s).
    min_silence_s: float = field(default=600.0, metadata=_at_least(0))


@dataclass(frozen=True)
class TwoWritersSettings(DetectorSettings):
    """``two_writers``: two event files of one run growing at the same time."""

    #: Both files grew within this many seconds of now.
    window_s: float = field(default=120.0, metadata=_at_least(1))


@dataclass(frozen=True)
class TooFrequentSettings(DetectorSettings):
    """``too_frequent``: logging so much that it costs I/O."""

    #: Scalar records per second (all tags together) above which logging is too frequent.
    max_records_per_s: float = field(default=500.0, metadata=_at_least(0))
    #: Histogram bytes per second above which it is too frequent (256 KiB/s ≈ 21 GB/day).
    max_histogram_bytes_per_s: float = field(default=262144.0, metadata=_at_least(0))
    #: Rates need the recent records of a tag to span at least this many seconds (so a
    #: burst written at start-up is not taken for the run's cadence).
    min_span_s: float = field(default=10.0, metadata=_at_least(0.001))


#: Detectors judged per tag; the others are run-level and take no ``[[…tag]]`` overrides.
TAG_DETECTORS = ("nan", "diverging", "plateau", "oscillating", "frozen", "exploding_grad")
