"""``plateau`` and ``converged``: a quality metric that went flat.

Per-evaluation tags (``val_loss``, ``eval/acc``, ``epoch_accuracy``…) replay Keras'
``EarlyStopping``; per-step tags (a ``train/loss`` logged every few steps) get the trend
test of :mod:`.stall`, since judged point by point they would "plateau" on their noise.
Either way :func:`~.stall.classify` then says whether the metric converged (information:
it could stop early) or stalled (``plateau``, a warning).

For evaluations the rule is Keras' own, so users can predict it: each evaluation,
``wait += 1``; a value better than the best by more than ``min_delta`` resets ``wait`` to 0
and becomes the best; when ``wait >= patience`` (and it is not the first evaluation)
training would stop. As in Keras 3 the first evaluation is always the first best, and a
NaN never improves on one.
Evaluations before ``start_from`` are skipped (``start_from_epoch``). The alert holds
while the *current* stretch without improvement has reached ``patience``, and names the
step where EarlyStopping would first have stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import (
    direction,
    quality_default,
    wall_time_at,
    watched_scalars,
)
from tfwatch.analysis.detectors.stall import (
    FlatStretch,
    arrival,
    classify,
    early_level,
    flat_end,
    flat_start,
    progress_threshold,
)
from tfwatch.analysis.direction import is_eval_metric
from tfwatch.analysis.noise import finite_points, noise_floor
from tfwatch.analysis.protocols import PointArrays, RunLike, ScalarSeriesLike, SeriesPoints
from tfwatch.analysis.settings import PlateauSettings
from tfwatch.analysis.small_stats import mean
from tfwatch.analysis.smoothing import smooth
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.numbers import format_significant as fmt


@dataclass(frozen=True)
class EarlyStop:
    """Outcome of replaying EarlyStopping over a series."""

    #: Step where EarlyStopping would first have stopped (None: never).
    first_stop_step: int | None
    #: Evaluations since the last improvement, at the end of the series.
    wait: int
    #: Step and value of the current best.
    best_step: int
    best_value: float
    #: Step where the current stretch without improvement reached ``patience``.
    stop_step: int | None


def replay_early_stopping(
    points: PointArrays, higher_is_better: bool, patience: int, min_delta: float,
    start_from: int = 0,
) -> EarlyStop:  # fmt: skip
    """Run Keras' EarlyStopping rule over every point of ``points`` in order."""
    steps = points.steps.tolist()
    values = points.values.tolist()
    delta = abs(min_delta)
    best: float | None = None  # Keras 3 starts from None: the first evaluation is the best
    best_step, wait, first_stop, stop_step = -1, 0, None, None
    for epoch, (step, value) in enumerate(zip(steps, values, strict=True)):
        if epoch < start_from:
            continue
        wait += 1
        if best is None or (value - delta > best if higher_is_better else value + delta < best):
            best, best_step, wait, stop_step = value, step, 0, None
            continue
        if wait >= patience and epoch > 0:
            if first_stop is None:
                first_stop = step
            if stop_step is None:
                stop_step = step
    if best is None:
        best = math.nan
    return EarlyStop(first_stop, wait, best_step, best, stop_step)


def detect_plateau(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """A ``plateau`` (stalled) or ``converged`` alert per watched tag that went flat:
    EarlyStopping for per-evaluation tags, the trend test of :mod:`.stall` for the others.

    Evaluations often begin after most of the learning (a first evaluation after an
    epoch): an evaluation metric flat from its first points is read as converged, not as
    "never learned", when a per-step quality metric of the run made real progress."""
    alerts: list[Alert] = []
    default = quality_default(config)
    watched = list(watched_scalars(run, config.plateau, config, default))
    learned = False
    evals = []
    for tag, series, s in watched:
        higher = direction(tag, config)
        if is_eval_metric(tag):
            evals.append((tag, series, s, higher))
            continue
        alert, progressed = _trend_alert(run.name, tag, series, higher, s)
        learned = learned or progressed
        if alert is not None:
            alerts.append(alert)
    for tag, series, s, higher in evals:
        alert = _early_stopping_alert(run.name, tag, series.recent(), higher, s, learned)
        if alert is not None:
            alerts.append(alert)
    return sorted(alerts, key=lambda a: a.tag)


def _early_stopping_alert(
    run: str, tag: str, points: PointArrays, higher: bool, s: PlateauSettings,
    learned_elsewhere: bool,
) -> Alert | None:  # fmt: skip
    found = plateau_of(points, higher, s)
    if found is None or found.stop_step is None:
        return None
    steps, values = finite_points(points.steps, points.values)
    if steps.shape[0] < 2:
        return None  # nothing finite to judge: the nan detector speaks for it
    bad = values if not higher else -values
    start = int(np.searchsorted(steps, found.best_step))
    noise = noise_floor(bad)
    # The best evaluation may be a lucky one late in the flat stretch: judge the stretch
    # from where the trend test says the metric went flat, when it reaches further back.
    trend_start = flat_start(bad, noise, s, s.patience)
    if trend_start is not None and trend_start < start:
        start = trend_start
    flat = classify(
        bad, start, noise, s, learned_before=learned_elsewhere,
        heading_from=arrival(bad, start, noise),
    )  # fmt: skip
    if flat.regressed:
        return None  # worse than its start: going wrong, not flat (see diverging)
    smoothed = f" (smoothed {s.smoothing:g})" if s.smoothing > 0 else ""
    text = (
        f"{tag}{smoothed}: no improvement > {s.min_delta:g} in {found.wait} evaluations since "
        f"step {found.best_step:,} (best {fmt(found.best_value)}); "
        f"EarlyStopping(patience={s.patience}) would have stopped at step "
        f"{found.first_stop_step:,}"
    )
    text += _verdict(flat)
    i = int(np.searchsorted(points.steps, found.stop_step))
    wall = float(points.wall_times[min(i, points.wall_times.shape[0] - 1)])
    return Alert(run, tag, found.stop_step, wall, flat.kind, text)


def _early_from_overview(overview: PointArrays, first_recent: int, higher: bool) -> float | None:
    """The early level from the whole history when the recent points begin later."""
    steps, values = finite_points(overview.steps, overview.values)
    if steps.shape[0] == 0 or steps[0] >= first_recent:
        return None
    return early_level(values if not higher else -values)


def _trend_alert(
    run: str, tag: str, series: ScalarSeriesLike, higher: bool, s: PlateauSettings
) -> tuple[Alert | None, bool]:
    """The alert of a per-step tag if it went flat, and whether it made real progress."""
    points = series.recent()
    steps, values = finite_points(points.steps, points.values)
    if steps.shape[0] < s.min_points:
        return None, False
    bad = values if not higher else -values
    noise = noise_floor(bad)
    early = _early_from_overview(series.overview(), int(steps[0]), higher)
    first = early_level(bad) if early is None else early
    recent_level = mean(bad[-max(1, bad.shape[0] // 4) :])
    progressed = first - recent_level > progress_threshold(bad.shape[0], noise, s)
    flat = flat_end(bad, noise, s, early)
    if flat is None or flat.regressed:
        return None, progressed
    step = int(steps[flat.start])
    sign = -1.0 if higher else 1.0
    level = sign * mean(bad[flat.start :])
    text = (
        f"{tag}: flat at {fmt(level)} since step {step:,} ({bad.shape[0] - flat.start} points, "
        f"change {fmt(sign * -flat.during)} vs noise {fmt(noise)})" + _verdict(flat)
    )
    i = min(flat.start, points.wall_times.shape[0] - 1)
    wall = float(wall_time_at(points, step, float(points.wall_times[i])))
    return Alert(run, tag, step, wall, flat.kind, text), progressed


def _verdict(flat: FlatStretch) -> str:
    """The end of the message: what the flat stretch means and what to do."""
    if flat.kind == AlertKind.CONVERGED:
        return (
            f"; converged after improving by {fmt(flat.progress)}: EarlyStopping would stop "
            "here, save the GPU"
        )
    if flat.learned:
        return (
            f"; stalled after improving by {fmt(flat.progress)}: at its earlier pace it "
            f"would be {fmt(flat.shortfall)} better by now"
        )
    return f"; no real progress ({fmt(flat.progress)} since the start): is it learning?"


def plateau_of(points: PointArrays, higher_is_better: bool, s: PlateauSettings) -> EarlyStop | None:
    """The EarlyStopping replay of ``points`` with the settings ``s`` (None: too few)."""
    if points.steps.shape[0] < 2:
        return None
    if s.smoothing > 0:
        points = SeriesPoints(points.steps, smooth(points.values, s.smoothing), points.wall_times)
    return replay_early_stopping(points, higher_is_better, s.patience, s.min_delta, s.start_from)
