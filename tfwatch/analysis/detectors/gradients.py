"""``exploding_grad``: a gradient-norm tag jumping by orders of magnitude.

Watches tags named like ``grad*norm*`` (``grad_norm``, ``train/gradient_norm``…). A point
within the last ``window`` points that exceeds ``factor`` times the median of the
``baseline`` points before it is a jump; the alert clears once the jump has scrolled out
of the window. A non-finite norm is the ``nan`` detector's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import watched_scalars
from tfwatch.analysis.protocols import PointArrays, RunLike
from tfwatch.analysis.settings import ExplodingGradSettings
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.numbers import format_significant as fmt


@dataclass(frozen=True)
class GradientJump:
    """The first recent jump of a gradient norm."""

    step: int
    wall_time: float
    value: float
    baseline: float

    @property
    def factor(self) -> float:
        """How many times the baseline the jump reached."""
        return self.value / self.baseline


def find_gradient_jump(points: PointArrays, settings: ExplodingGradSettings) -> GradientJump | None:
    """The first point in the last ``window`` that jumps ``factor``× over its baseline."""
    finite = np.isfinite(points.values)
    steps, walls = points.steps[finite], points.wall_times[finite]
    values = np.abs(points.values[finite])
    n = values.shape[0]
    first = max(3, n - settings.window)  # a baseline needs a few points
    if first >= n:
        return None
    # Median of the (up to) ``baseline`` points before each candidate, all at once: pad
    # the front with NaN so early candidates see a shorter window, and use nanmedian.
    k = settings.baseline
    padded = np.concatenate([np.full(k, np.nan), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, k)[first:n]
    base = np.nanmedian(windows, axis=1)
    jumps = np.flatnonzero((base > 0) & (values[first:] > settings.factor * base))
    if jumps.shape[0] == 0:
        return None
    i = first + int(jumps[0])
    return GradientJump(int(steps[i]), float(walls[i]), float(values[i]), float(base[jumps[0]]))


def detect_exploding_grad(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """An ``exploding_grad`` alert per gradient-norm tag with a recent jump."""
    alerts: list[Alert] = []
    for tag, series, s in watched_scalars(run, config.exploding_grad, config, lambda _: False):
        jump = find_gradient_jump(series.recent(), s)
        if jump is None:
            continue
        text = (
            f"{tag} jumped to {fmt(jump.value)} at step {jump.step:,}, "
            f"{fmt(jump.factor)}× its recent median {fmt(jump.baseline)}"
        )
        alerts.append(
            Alert(run.name, tag, jump.step, jump.wall_time, AlertKind.EXPLODING_GRAD, text)
        )
    return alerts
