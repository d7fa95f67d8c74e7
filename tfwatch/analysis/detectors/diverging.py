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

A third rule catches a run that gets worse from its very start (unstable momentum: the
accuracy falls from its first evaluation and drifts on down), which the give-back rule
cannot, having no progress to measure against, and which would otherwise read as a
plateau for thousands of steps:

* **worse than its start**: from ``min_points / 2`` points on, the points since the first
  third of the run, the last ``window`` points and the latest smoothed value are all worse
  than the level of its first three points (a positive value), each by more than
  ``sigmas`` standard errors of that comparison and by a fifth of that level; and the
  smoothed curve was never better than that level by ``sigmas`` noise units (then it
  made progress, and give-back judges it). The worse stretch must cover two thirds of the
  run, so a warm-up bump that has begun to come down does not count.
"""

from __future__ import annotations

import math
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
from tfwatch.analysis.small_stats import mean, median
from tfwatch.analysis.smoothing import smooth
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.numbers import format_significant as fmt

F64 = npt.NDArray[np.float64]

#: "Worse than its start" needs at least this share of the start's value lost.
REGRESS_SHARE = 0.2


@dataclass(frozen=True)
class Divergence:
    """Where and how a series diverges."""

    onset_step: int
    rule: str  # "give-back", "blow-up" or "regress"
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
    if n < settings.window:
        return None
    sign = 1.0 if higher_is_better else -1.0
    bad = -sign * values  # larger = worse, whatever the direction
    s = smooth(bad, weight)
    early_raw = median(values[: settings.early_points])
    best = np.minimum.accumulate(s)
    progress = -sign * early_raw - best  # how much better than the start it has been
    excess = s - best
    w = settings.window
    if n < settings.min_points:
        return _regress(bad, s, steps, settings, sign, noise_from)
    if not higher_is_better and early_raw > 0:
        blow_up = s > settings.factor * early_raw  # for lower-is-better, s is the value
        if bool(blow_up[-w:].all()):
            return _divergence("blow-up", blow_up, steps, s, best, early_raw, sign)
    give_back = excess > settings.giveback * progress
    if not bool(give_back[-w:].all()):
        return _regress(bad, s, steps, settings, sign, noise_from)
    sample = bad if noise_from is None else -sign * noise_from[np.isfinite(noise_from)]
    floor = settings.sigmas * noise_floor(sample)
    give_back &= (progress > floor) & (excess > floor)
    if bool(give_back[-w:].all()):
        return _divergence("give-back", give_back, steps, s, best, early_raw, sign)
    return _regress(bad, s, steps, settings, sign, noise_from)


def _regress(
    bad: F64, s: F64, steps: npt.NDArray[np.int64], settings: DivergingSettings, sign: float,
    noise_from: F64 | None,
) -> Divergence | None:  # fmt: skip
    """The "worse than its start" rule (see the module's docstring); ``bad`` and ``s`` are
    raw and smoothed values in "worse" units."""
    n = bad.shape[0]
    if n < max(settings.min_points // 2, settings.window + 3):
        return None
    start = median(bad[:3])
    since = n // 3
    worse_since = mean(bad[since:]) - start
    worse_recent = mean(bad[-settings.window :]) - start
    # A warm-up bump lifts a loss by a few percent of its start, at most a fifth of what
    # it will drop (the noise floor of SGD rising with the learning rate); unstable runs
    # lose far more. Metrics around zero (returns, rewards) are left to the other rules.
    margin = REGRESS_SHARE * abs(start)
    if sign * start >= 0 or min(worse_since, worse_recent, s[-1] - start) <= margin:
        return None  # the common, healthy case: no need to estimate the noise
    sample = bad if noise_from is None else -sign * noise_from[np.isfinite(noise_from)]
    noise = noise_floor(sample)
    k = settings.sigmas * noise
    if noise <= 0 or float(np.min(s)) < start - k:
        return None  # it made real progress at some point: give-back's business
    if worse_since <= k * math.sqrt(1 / 3 + 1 / (n - since)):
        return None
    if worse_recent <= k * math.sqrt(1 / 3 + 1 / settings.window):
        return None
    # The smoothed curve: TensorBoard's EMA holds about (1 - w)/(1 + w) of a point's
    # variance; 1/4 for the default 0.6, so half a noise unit against the start's.
    if s[-1] - start <= k * math.sqrt(1 / 3 + 0.25):
        return None
    onset = since
    return Divergence(
        onset_step=int(steps[onset]),
        rule="regress",
        value=float(-sign * s[-1]),
        best=float(-sign * start),
        early=float(-sign * start),
    )


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
        if found.rule == "regress":
            text = (
                f"{tag} got worse from its start {fmt(found.early)} to {fmt(found.value)} "
                f"since step {found.onset_step:,}, never better: unstable from the start "
                "(learning rate or momentum too high?) or overfitting from the first evaluation"
            )
        elif found.rule == "blow-up":
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
