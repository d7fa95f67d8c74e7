"""Where a metric is heading: a decaying curve fitted to its history, with an interval.

Two curve families are fitted by least squares: ``a + b·exp(-c·u)`` (u = steps since the
first point, scaled to the history's span) and the power law ``a + b·t^-c`` (t = the
absolute step). For a fixed ``c`` both are linear in ``a`` and ``b``, so each family is
fitted exactly over a fine grid of ``c`` — NumPy only, no iterative optimiser to diverge.

The points are first averaged in equal-width step bins. That is the smoothing: unlike
TensorBoard's EMA it does not lag the curve (which would bias the fit) and leaves the
residuals close to independent, which the interval needs. The interval comes from a
moving-block bootstrap of those residuals, refitting each replicate; when the other family
fits almost as well, its replicates are pooled in, so disagreement between plausible
curves shows as width. No forecast (None) is given when there are too few points, the
fit explains too little of the binned curve, or the interval is wider than everything the
metric has moved so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.noise import finite_points
from tfwatch.analysis.protocols import PointArrays

F64 = npt.NDArray[np.float64]

_GRID = 160
_EXP_RATES = np.logspace(math.log10(0.3), math.log10(300.0), _GRID)
_POWER_RATES = np.logspace(-2.0, math.log10(3.0), _GRID)
MODELS = ("exp", "power")


@dataclass(frozen=True, eq=False)
class _Curves:
    """Fitted parameters of one family: row i is (a, b, c) of fit i."""

    model: str
    a: F64
    b: F64
    c: F64
    origin: float  # first step (exp) or step offset (power)
    span: float  # step scale

    def at(self, step: float) -> F64:
        """Each fit's value at ``step`` (``inf`` → the asymptote)."""
        if math.isinf(step):
            return np.array(self.a, dtype=np.float64)
        g = _basis(self.model, np.array([step]), self.c[:, None], self.origin, self.span)
        return np.asarray(self.a + self.b * g[:, 0], dtype=np.float64)

    def crossing(self, target: float) -> F64:
        """Each fit's step where it reaches ``target`` (``nan`` if it never does)."""
        ratio = (target - self.a) / self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.model == "exp":
                u = -np.log(ratio) / self.c
                steps = self.origin + u * self.span
            else:
                t = ratio ** (-1.0 / self.c)
                steps = t * self.span - self.origin
        return np.where((ratio > 0) & np.isfinite(steps), steps, np.nan)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Predicted value of a metric with its interval."""

    #: The prediction: the fitted curve's limit, or its value at ``at_step``.
    value: float
    #: Bounds of the interval (``confidence`` of the bootstrap replicates).
    low: float
    high: float
    confidence: float
    #: ``"exp"`` or ``"power"``: the family that fitted best.
    model: str
    #: Share of the binned curve's variance the fit explains.
    r2: float
    #: None for the limit (steps → ∞), else the step the prediction is for.
    at_step: int | None
    #: Last step of the history and the fitted value there.
    last_step: int
    last_fitted: float
    _best: _Curves = field(repr=False)
    _replicates: tuple[_Curves, ...] = field(repr=False)

    def format(self, digits: int = 4) -> str:
        """``0.912 [0.905, 0.918]``."""
        return f"{self.value:.{digits}g} [{self.low:.{digits}g}, {self.high:.{digits}g}]"


@dataclass(frozen=True)
class TargetEta:
    """When a metric reaches a target, in steps from its last point."""

    #: Steps still needed by the best fit: 0 if already reached, None if never.
    steps: int | None
    #: Interval of the bootstrap replicates; ``high`` None when some never reach it.
    low: int | None
    high: int | None


def forecast(
    points: PointArrays,
    horizon: int | None = None,
    *,
    confidence: float = 0.9,
    min_points: int = 12,
    min_r2: float = 0.9,
    max_width: float = 1.0,
    replicates: int = 200,
    seed: int = 0,
) -> Forecast | None:
    """Fit the history in ``points`` and predict its final value (or its value at ``horizon``).

    Returns None ("n/a") with fewer than ``min_points`` finite points, an R² below
    ``min_r2`` on the binned curve, or an interval wider than ``max_width`` times the
    range the binned curve has covered. The bootstrap is seeded: same data, same answer.
    """
    steps, values = finite_points(points.steps, points.values)
    if values.shape[0] < min_points or steps[-1] <= steps[0]:
        return None
    x, y = _bin(steps.astype(np.float64), values, bins=min(60, values.shape[0] // 2))
    if x.shape[0] < 6:
        return None
    sst = float(np.sum((y - y.mean()) ** 2))
    spread = float(y.max() - y.min())
    if sst <= 0.0 or spread <= 0.0:
        return None  # a flat line: nothing is decaying towards anything
    span = float(x[-1] - x[0])
    step_gap = max(float(np.median(np.diff(x))), 1.0)
    origins = {"exp": float(x[0]), "power": step_gap if steps[0] <= 0 else 0.0}
    fits = {m: _fit_family(m, x, y[None, :], origins[m], span) for m in MODELS}
    sse = {m: float(fits[m][1][0]) for m in MODELS}
    model = min(MODELS, key=lambda m: sse[m])
    best = fits[model][0]
    r2 = 1.0 - sse[model] / sst
    if not r2 >= min_r2:
        return None
    rng = np.random.default_rng(seed)
    pooled = [_bootstrap(best, x, y, replicates, rng)]
    other = "power" if model == "exp" else "exp"
    if sse[other] <= 1.5 * sse[model]:
        pooled.append(_bootstrap(fits[other][0], x, y, replicates, rng))
    target_step = math.inf if horizon is None else float(horizon)
    preds = np.concatenate([p.at(target_step) for p in pooled])
    preds = preds[np.isfinite(preds)]
    if preds.shape[0] < replicates // 2:
        return None
    tail = (1.0 - confidence) / 2.0
    low, high = (float(q) for q in np.quantile(preds, [tail, 1.0 - tail]))
    value = float(best.at(target_step)[0])
    low, high = min(low, value), max(high, value)
    if high - low > max_width * spread:
        return None
    last_step = int(steps[-1])
    return Forecast(
        value=value, low=low, high=high, confidence=confidence, model=model, r2=r2,
        at_step=horizon, last_step=last_step, last_fitted=float(best.at(last_step)[0]),
        _best=best, _replicates=tuple(pooled),
    )  # fmt: skip


def steps_to_target(fc: Forecast, target: float, higher_is_better: bool) -> TargetEta:
    """Steps after ``fc.last_step`` until the fitted curve reaches ``target``."""

    def reached(value: float) -> bool:
        return value >= target if higher_is_better else value <= target

    if reached(fc.last_fitted):
        return TargetEta(0, 0, 0)
    best = float(fc._best.crossing(target)[0])
    eta = None if math.isnan(best) else max(0, math.ceil(best - fc.last_step))
    crossings = np.concatenate([r.crossing(target) for r in fc._replicates])
    # A replicate that never crosses counts as "infinitely late".
    remaining = np.where(np.isnan(crossings), np.inf, np.maximum(crossings - fc.last_step, 0))
    tail = (1.0 - fc.confidence) / 2.0
    # Order statistics, not interpolation: the interval may end at infinity.
    lo = float(np.quantile(remaining, tail, method="lower"))
    hi = float(np.quantile(remaining, 1.0 - tail, method="higher"))
    low = None if math.isinf(lo) else math.floor(lo)
    high = None if math.isinf(hi) else math.ceil(hi)
    if eta is None:
        high = None
    else:  # the interval always contains the best fit's own answer
        low = eta if low is None else min(low, eta)
        high = None if high is None else max(high, eta)
    return TargetEta(steps=eta, low=low, high=high)


def parse_target(text: str) -> tuple[str, float]:
    """``"val_acc=0.9"`` → ``("val_acc", 0.9)``; raises ValueError on anything else."""
    tag, sep, value = text.rpartition("=")
    if not sep or not tag.strip():
        raise ValueError(f"target {text!r}: expected TAG=VALUE, e.g. val_acc=0.9")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"target {text!r}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"target {text!r}: the value must be finite")
    return tag.strip(), number


def _bin(x: F64, y: F64, bins: int) -> tuple[F64, F64]:
    """Means of x and y in ``bins`` equal-width step bins (empty bins dropped)."""
    edges = np.linspace(x[0], x[-1], bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(np.float64)
    keep = counts > 0
    xs = np.bincount(idx, weights=x, minlength=bins)[keep] / counts[keep]
    ys = np.bincount(idx, weights=y, minlength=bins)[keep] / counts[keep]
    return xs, ys


def _basis(model: str, x: F64, c: F64, origin: float, span: float) -> F64:
    """g(x) for each rate in ``c`` (shape broadcast of c against x)."""
    if model == "exp":
        return np.exp(-c * ((x - origin) / span))
    return ((x + origin) / span) ** (-c)


def _fit_family(model: str, x: F64, ys: F64, origin: float, span: float) -> tuple[_Curves, F64]:
    """Best (a, b, c) on the rate grid for each row of ``ys``; and each row's SSE."""
    rates = _EXP_RATES if model == "exp" else _POWER_RATES
    with np.errstate(over="ignore", invalid="ignore"):
        phi = _basis(model, x[None, :], rates[:, None], origin, span)  # (G, m)
    phi_c = phi - phi.mean(axis=1, keepdims=True)
    s_pp = np.sum(phi_c * phi_c, axis=1)  # (G,)
    usable = np.isfinite(s_pp) & (s_pp > 1e-12)
    y_c = ys - ys.mean(axis=1, keepdims=True)
    s_yy = np.sum(y_c * y_c, axis=1)  # (R,)
    with np.errstate(invalid="ignore", over="ignore"):
        s_py = _products(y_c, np.where(usable[:, None], phi_c, 0.0).T)  # (R, G)
        sse = s_yy[:, None] - np.where(usable, s_py**2 / np.where(usable, s_pp, 1.0), -np.inf)
    sse = np.where(usable[None, :], sse, np.inf)
    pick = np.argmin(sse, axis=1)
    rows = np.arange(ys.shape[0])
    c = _refine(np.log(rates), sse, pick)
    # Exact least squares at each row's refined rate.
    with np.errstate(over="ignore", invalid="ignore"):
        g = _basis(model, x[None, :], c[:, None], origin, span)  # (R, m)
    g_c = g - g.mean(axis=1, keepdims=True)
    s_gg = np.sum(g_c * g_c, axis=1)
    s_gy = np.sum(g_c * y_c, axis=1)
    safe = np.isfinite(s_gg) & (s_gg > 1e-12)
    b = np.where(safe, s_gy / np.where(safe, s_gg, 1.0), 0.0)
    a = ys.mean(axis=1) - b * g.mean(axis=1)
    row_sse = np.where(safe, s_yy - b * s_gy, sse[rows, pick])
    return _Curves(model, a, b, c, origin, span), np.maximum(row_sse, 0.0)


# Below this many multiply-adds OpenBLAS runs a product on the calling thread; above it,
# it wakes its thread pool, which on a busy machine made one bootstrap 20x slower.
_SINGLE_THREAD_GEMM = 200_000


def _products(a: F64, b: F64) -> F64:
    """``a @ b``, computed in row blocks small enough to stay single-threaded."""
    rows = max(1, _SINGLE_THREAD_GEMM // max(1, a.shape[1] * b.shape[1]))
    if a.shape[0] <= rows:
        return np.asarray(a @ b, dtype=np.float64)
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.float64)
    for start in range(0, a.shape[0], rows):
        out[start : start + rows] = a[start : start + rows] @ b
    return out


def _refine(log_rates: F64, sse: F64, pick: npt.NDArray[np.intp]) -> F64:
    """Each row's best rate, refined between grid points by a parabola through the SSE
    at the best grid point and its neighbours (the grid alone would snap the asymptote)."""
    g = log_rates.shape[0]
    inner = np.clip(pick, 1, g - 2)
    rows = np.arange(sse.shape[0])
    y0, y1, y2 = sse[rows, inner - 1], sse[rows, inner], sse[rows, inner + 1]
    h = log_rates[1] - log_rates[0]  # the grid is uniform in log(rate)
    curv = y0 - 2 * y1 + y2
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where((curv > 0) & np.isfinite(curv), 0.5 * (y0 - y2) / curv, 0.0)
    shift = np.where(pick == inner, np.clip(shift, -1.0, 1.0), 0.0)  # edges stay on the grid
    return np.asarray(np.exp(log_rates[pick] + shift * h), dtype=np.float64)


def _bootstrap(best: _Curves, x: F64, y: F64, n: int, rng: np.random.Generator) -> _Curves:
    """Refit ``n`` replicates: the fitted curve plus resampled blocks of its residuals."""
    fitted = _values(best, x)
    resid = y - fitted
    m = x.shape[0]
    # Residual variance is biased low by the three fitted parameters.
    resid = (resid - resid.mean()) * math.sqrt(m / max(m - 3, 1))
    block = max(1, round(m ** (1 / 3)))
    starts = rng.integers(0, m - block + 1, size=(n, math.ceil(m / block)))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n, -1)[:, :m]
    curves, _ = _fit_family(best.model, x, fitted[None, :] + resid[idx], best.origin, best.span)
    return curves


def _values(curves: _Curves, x: F64) -> F64:
    """The first fit's values at each of ``x``."""
    g = _basis(curves.model, x, np.array(curves.c[0]), curves.origin, curves.span)
    return np.asarray(curves.a[0] + curves.b[0] * g, dtype=np.float64)
