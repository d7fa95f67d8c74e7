"""``plateau``: Keras ``EarlyStopping`` replayed over a tag's evaluations.

The rule is Keras' own, so users can predict it: each evaluation, ``wait += 1``; a value
better than the best by more than ``min_delta`` resets ``wait`` to 0 and becomes the best;
when ``wait >= patience`` (and it is not the first evaluation) training would stop. As in
Keras 3 the first evaluation is always the first best, and a NaN never improves on one.
Evaluations before ``start_from`` are skipped (``start_from_epoch``). The alert holds
while the *current* stretch without improvement has reached ``patience``, and names the
step where EarlyStopping would first have stopped.

By default only per-evaluation quality metrics are checked (``val_loss``, ``eval/acc``,
``epoch_accuracy``…): that is what EarlyStopping monitors. A per-batch training loss,
judged point by point, would "plateau" on its noise alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import direction, eval_quality_default, watched_scalars
from tfwatch.analysis.protocols import PointArrays, RunLike, SeriesPoints
from tfwatch.analysis.settings import PlateauSettings
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
    """A ``plateau`` alert per watched tag whose current stretch reached ``patience``."""
    alerts: list[Alert] = []
    default = eval_quality_default(config)
    for tag, series, s in watched_scalars(run, config.plateau, config, default):
        points = series.recent()
        found = plateau_of(points, direction(tag, config), s)
        if found is None or found.stop_step is None:
            continue
        first = found.first_stop_step
        smoothed = f" (smoothed {s.smoothing:g})" if s.smoothing > 0 else ""
        text = (
            f"{tag}{smoothed}: no improvement > {s.min_delta:g} in {found.wait} evaluations since "
            f"step {found.best_step:,} (best {fmt(found.best_value)}); "
            f"EarlyStopping(patience={s.patience}) would have stopped at step {first:,}"
        )
        i = int(np.searchsorted(points.steps, found.stop_step))
        wall = float(points.wall_times[min(i, points.wall_times.shape[0] - 1)])
        alerts.append(Alert(run.name, tag, found.stop_step, wall, AlertKind.PLATEAU, text))
    return alerts


def plateau_of(points: PointArrays, higher_is_better: bool, s: PlateauSettings) -> EarlyStop | None:
    """The EarlyStopping replay of ``points`` with the settings ``s`` (None: too few)."""
    if points.steps.shape[0] < 2:
        return None
    if s.smoothing > 0:
        points = SeriesPoints(points.steps, smooth(points.values, s.smoothing), points.wall_times)
    return replay_early_stopping(points, higher_is_better, s.patience, s.min_delta, s.start_from)
