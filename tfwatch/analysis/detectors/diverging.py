"""``diverging``: a quality metric moving the wrong way well beyond its noise, for good.

Two rules, both on TensorBoard's smoothed curve and both required to hold for ``window``
consecutive points up to the latest one (so a spike or a short warm-up bump never
counts, and the alert clears when the run recovers):

* **give-back**: the metric is worse than its best so far by more than ``sigmas`` times
  its noise floor (its point noise, never below the smallest step it takes) *and* by more
  than ``giveback`` of the improvement it had made. A run that never improved (by more
  than that floor) cannot give anything back: a rising warm-up is not divergence, nor is
  an accuracy at chance level flipping between two values.
* **blow-up** (lower-is-better metrics with a positive early level): the smoothed value
  exceeds ``factor`` times the median of the first ``early_points`` points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import (
    direction,
    quality_default,
    wall_time_at,
    watched_scalars,
)
from tfwatch.analysis.noise import finite_points, noise_floor
from tfwatch.analysis.protocols import PointArrays, RunLike
from tfwatch.analysis.settings import DivergingSettings
from tfwatch.analysis.smoothing import smooth
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.numbers import format_significant as fmt

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Divergence:
    """Where and how a series diverges."""

    onset_step: int
    rule: str  # "give-back" or "blow-up"
    value: float  # smoothed value at the latest point
    best: float  # best smoothed value before the onset
    early: float  # early level


def find_divergence(
    history: PointArrays,
    higher_is_better: bool,
    settings: DivergingSettings,
    weight: float,
    noise_from: F64 | None = None,
) -> Divergence | None:
    """Whether ``history`` is diverging now; ``noise_from`` gives full-resolution values
    for the noise estimate (defaults to the history itself)."""
    steps, values = finite_points(history.steps, history.values)
    n = values.shape[0]
    if n < max(settings.min_points, settings.window):
        return None
    sign = 1.0 if higher_is_better else -1.0
    bad = -sign * values  # larger = worse, whatever the direction
    s = smooth(bad, weight)
    early_raw = float(np.median(values[: settings.early_points]))
    best = np.minimum.accumulate(s)
    progress = -sign * early_raw - best  # how much better than the start it has been
    excess = s - best
    w = settings.window
    if not higher_is_better and early_raw > 0:
        blow_up = s > settings.factor * early_raw  # for lower-is-better, s is the value
        if bool(blow_up[-w:].all()):
            return _divergence("blow-up", blow_up, steps, s, best, early_raw, sign)
    give_back = excess > settings.giveback * progress
    if not bool(give_back[-w:].all()):
        return None  # the common, healthy case: no need to estimate the noise
    sample = bad if noise_from is None else -sign * noise_from[np.isfinite(noise_from)]
    floor = settings.sigmas * noise_floor(sample)
    give_back &= (progress > floor) & (excess > floor)
    if bool(give_back[-w:].all()):
        return _divergence("give-back", give_back, steps, s, best, early_raw, sign)
    return None


def _divergence(
    rule: str, cond: npt.NDArray[np.bool_], steps: npt.NDArray[np.int64], s: F64, best: F64,
    early: float, sign: float,
) -> Divergence:  # fmt: skip
    """The finding for the trailing run of ``cond`` (s and best are in "worse" units)."""
    onset = int(cond.shape[0] - _trailing_true(cond))
    return Divergence(
        onset_step=int(steps[onset]),
        rule=rule,
        value=float(-sign * s[-1]),
        best=float(-sign * best[onset]),
        early=early,
    )


def _trailing_true(cond: npt.NDArray[np.bool_]) -> int:
    """Length of the run of True at the end of ``cond``."""
    false = np.flatnonzero(~cond)
    return int(cond.shape[0] - (false[-1] + 1 if false.shape[0] else 0))


def detect_diverging(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """A ``diverging`` alert per quality metric that diverges now."""
    alerts: list[Alert] = []
    for tag, series, settings in watched_scalars(
        run, config.diverging, config, quality_default(config)
    ):
        history = series.overview()
        found = find_divergence(
            history, direction(tag, config), settings, config.smoothing, series.recent().values
        )
        if found is None:
            continue
        if found.rule == "blow-up":
            text = (
                f"{tag} is {fmt(found.value / found.early)}× its early level "
                f"({fmt(found.value)} vs {fmt(found.early)}) since step {found.onset_step:,}"
            )
        else:
            text = (
                f"{tag} went from its best {fmt(found.best)} back to {fmt(found.value)} "
                f"(early level {fmt(found.early)}) since step {found.onset_step:,}"
            )
        wall = wall_time_at(history, found.onset_step, series.last_wall_time)
        alerts.append(Alert(run.name, tag, found.onset_step, wall, AlertKind.DIVERGING, text))
    return alerts
