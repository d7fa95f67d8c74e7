"""How a metric is converging: the numbers the runs table sorts by.

All of them describe the smoothed metric (TensorBoard's EMA) over its recent points, and
all are sign-aligned with the metric's direction where that matters, so "improving" and
"getting worse" compare across losses and accuracies alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.noise import finite_points, noise_sigma
from tfwatch.analysis.protocols import PointArrays
from tfwatch.analysis.smoothing import smooth

F64 = npt.NDArray[np.float64]

#: Bounds on the recent window, in points, when the caller does not fix it.
MIN_WINDOW, MAX_WINDOW = 10, 512


@dataclass(frozen=True)
class Convergence:
    """Convergence summary of one metric. NaN (or None) means "not enough data"."""

    #: Finite points the summary was computed from.
    points: int
    #: Step of the last finite point (-1 without any).
    last_step: int
    #: Last smoothed value.
    value: float
    #: Best smoothed value and its step.
    best_value: float
    best_step: int
    #: Steps from the best smoothed value to the last point.
    steps_since_best: int | None
    #: Improvement per 1,000 steps over the recent window, as a fraction of the metric's
    #: scale (the range its smoothed curve has covered); > 0 improving, < 0 getting worse.
    slope: float
    #: 0 = still moving, 1 = flat: how little the recent window moved compared with the
    #: run's own point-to-point noise (exp(-|fitted change| / noise)).
    plateau: float
    #: Relative change of the smoothed value over the recent window (+0.05 = rose 5 %),
    #: from a straight-line fit, relative to the level at the window's start.
    trend: float
    #: Whether the recent change is in the good direction (None without a change).
    improving: bool | None

    @property
    def trend_arrow(self) -> str:
        """↑, ↓ or → for the sign of :attr:`trend` (→ below 0.1 %)."""
        if math.isnan(self.trend) or abs(self.trend) < 1e-3:
            return "→"
        return "↑" if self.trend > 0 else "↓"


_EMPTY = Convergence(0, -1, math.nan, math.nan, -1, None, math.nan, math.nan, math.nan, None)


def recent_window(n: int, window: int | None = None) -> int:
    """Points in the "recent window" of a series of ``n`` points."""
    if window is None:
        window = min(max(n // 4, MIN_WINDOW), MAX_WINDOW)
    return max(1, min(n, window))


def convergence(
    points: PointArrays,
    higher_is_better: bool,
    weight: float = 0.6,
    window: int | None = None,
) -> Convergence:
    """Summarise how the series in ``points`` is converging.

    ``weight`` is the TensorBoard smoothing weight; ``window`` the number of recent points
    the slope, plateau and trend look at (default: a quarter of the points, 10 to 512).
    Non-finite values are ignored; steps may be anywhere in the int64 range.
    """
    steps, values = finite_points(points.steps, points.values)
    n = int(values.shape[0])
    if n == 0:
        return _EMPTY
    sign = 1.0 if higher_is_better else -1.0
    smoothed = smooth(values, weight)
    best_i = int(np.argmax(sign * smoothed))  # first best: ties favour the older point
    last_step = int(steps[-1])
    best_step = int(steps[best_i])
    w = recent_window(n, window)
    if n < 2 or w < 2:
        return Convergence(
            n, last_step, float(smoothed[-1]), float(smoothed[best_i]), best_step,
            last_step - best_step, math.nan, math.nan, math.nan, None,
        )  # fmt: skip
    x = (steps[-w:] - steps[-1]).astype(np.float64)  # relative: exact for huge steps
    s_win, v_win = smoothed[-w:], values[-w:]
    scale = float(np.max(smoothed) - np.min(smoothed))
    sigma = noise_sigma(values[-max(w, 3) :]) if n >= 3 else 0.0
    level = float(abs(s_win[0]))
    slope = _slope(x, s_win)
    # The fitted line's change, not the difference of two (noisy) endpoints.
    change = slope * float(x[-1] - x[0])
    return Convergence(
        points=n,
        last_step=last_step,
        value=float(smoothed[-1]),
        best_value=float(smoothed[best_i]),
        best_step=best_step,
        steps_since_best=last_step - best_step,
        slope=sign * slope * 1000.0 / scale if scale > 0 else 0.0,
        plateau=_plateau(x, v_win, sigma, max(level, scale)),
        trend=change / max(level, 1e-3 * scale) if max(level, scale) > 0 else 0.0,
        improving=None if change == 0 else (change * sign > 0),
    )


def _slope(x: F64, y: F64) -> float:
    """Least-squares slope of ``y`` against ``x`` (0 when x does not vary)."""
    xc = x - x.mean()
    den = float(np.dot(xc, xc))
    if den == 0.0:
        return 0.0
    return float(np.dot(xc, y - y.mean()) / den)


def _plateau(x: F64, v: F64, sigma: float, magnitude: float) -> float:
    """exp(-r), r = the fitted change over the window in units of point noise."""
    if v.shape[0] < 3:
        return math.nan
    moved = abs(_slope(x, v) * float(x[-1] - x[0]))
    # A noise-free curve has sigma 0: any real movement then means "moving", and only a
    # change at the level of float rounding counts as flat.
    floor = 1e-9 * magnitude if magnitude > 0 else 1e-300
    return math.exp(-moved / max(sigma, floor))
