"""``oscillating``: a metric swinging far more than its trend explains.

Over the last ``window`` points, the swings are the residuals around a quadratic fit (the
trend, curvature included). Two things must both hold:

* **size**: the swings' standard deviation exceeds ``ratio`` times the range the
  smoothed metric has covered over the whole run (its progress), so small wiggles on a
  curve that moved a lot never count;
* **rhythm**: the swings are periodic, not noise. Fisher's g test on the residuals'
  periodogram: the strongest frequency must hold a share of their variance that white
  noise reaches with probability below ``ALPHA``. Slow surges, period-4 cycles and strict
  up/down alternation (an accuracy that flips every evaluation) all pass; noise does not.

So a noisy but honest curve is not flagged however noisy it is; a learning rate that
makes the loss surge and fall back, or an accuracy that flips every evaluation, is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import quality_default, watched_scalars
from tfwatch.analysis.noise import finite_points
from tfwatch.analysis.protocols import PointArrays, RunLike
from tfwatch.analysis.settings import OscillatingSettings
from tfwatch.analysis.smoothing import smooth
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.numbers import format_significant as fmt

F64 = npt.NDArray[np.float64]

#: False-alarm probability of the rhythm test on one window of white noise.
ALPHA = 1e-4


@dataclass(frozen=True)
class Oscillation:
    """Size and shape of the recent swings of a series."""

    start_step: int  # first step of the window examined
    amplitude: float  # standard deviation of the swings
    scale: float  # range of the smoothed metric over the run
    #: Share of the swings' variance at their strongest frequency (Fisher's g).
    rhythm: float
    #: The share white noise exceeds with probability ALPHA for this window.
    rhythm_limit: float

    @property
    def ratio(self) -> float:
        """Swings as a share of the metric's range."""
        return self.amplitude / self.scale if self.scale > 0 else float("inf")


def measure_oscillation(
    recent: PointArrays,
    history: PointArrays,
    window: int,
    weight: float,
    rhythmic_only: bool = False,
) -> Oscillation | None:
    """The swings of the last ``window`` points of ``recent`` (None: too few points).

    With ``rhythmic_only``, swings that fail the rhythm test get no scale (NaN): the
    scale needs the whole history smoothed, the costly part, and cannot change the verdict.
    """
    steps, values = finite_points(recent.steps, recent.values)
    if values.shape[0] < max(window, 5):
        return None
    x = (steps[-window:] - steps[-1]).astype(np.float64)
    v = values[-window:]
    span = float(x[-1] - x[0]) or 1.0
    u = (x - x[0]) / span * 2.0 - 1.0  # in [-1, 1]: a well-conditioned quadratic fit
    basis = np.stack([np.ones_like(u), u, u * u], axis=1)
    coef = np.linalg.lstsq(basis, v, rcond=None)[0]
    resid = v - basis @ coef
    amplitude = float(np.sqrt(np.sum(resid**2) / max(resid.shape[0] - 3, 1)))
    rhythm, limit = fisher_g(resid)
    scale = float("nan")
    if rhythm > limit or not rhythmic_only:
        _, hist_values = finite_points(history.steps, history.values)
        smoothed = smooth(hist_values, weight)
        lo, hi = np.quantile(smoothed, [0.02, 0.98])
        scale = float(hi - lo)
    return Oscillation(
        start_step=int(steps[-window]),
        amplitude=amplitude,
        scale=scale,
        rhythm=rhythm,
        rhythm_limit=limit,
    )


def fisher_g(resid: F64) -> tuple[float, float]:
    """Fisher's g (largest periodogram share) of ``resid`` and its ALPHA critical value.

    The lowest frequency (one cycle per window) is left out: it is trend, not rhythm.
    """
    cos, sin = _dft(resid.shape[0])
    power = (cos @ resid) ** 2 + (sin @ resid) ** 2
    m = power.shape[0]
    total = float(power.sum())
    if m < 2 or total <= 0:
        return 0.0, 1.0
    # P(g > x) ≈ m (1 - x)^(m - 1) for white noise (Fisher, 1929).
    return float(power.max()) / total, 1.0 - (ALPHA / m) ** (1.0 / (m - 1))


@lru_cache(maxsize=64)
def _dft(n: int) -> tuple[F64, F64]:
    """Cosine and sine rows of the DFT for frequencies 2 … n/2 cycles per window.

    A small cached matrix product: for windows of a few dozen points it is cheaper and
    steadier than an FFT call.
    """
    k = np.arange(2, n // 2 + 1, dtype=np.float64)[:, None]
    angle = 2.0 * np.pi * k * np.arange(n, dtype=np.float64)[None, :] / n
    return np.cos(angle), np.sin(angle)


def is_oscillating(found: Oscillation, settings: OscillatingSettings) -> bool:
    """Whether the measured swings are large and structured enough to report."""
    if found.amplitude <= 0 or not found.ratio > settings.ratio:
        return False  # (a NaN ratio, from an unmeasured scale, is not > anything)
    return found.rhythm > found.rhythm_limit


def detect_oscillating(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """An ``oscillating`` alert per quality metric swinging now."""
    alerts: list[Alert] = []
    for tag, series, s in watched_scalars(run, config.oscillating, config, quality_default(config)):
        recent = series.recent()
        if int(np.isfinite(recent.values).sum()) < s.min_points:
            continue
        found = measure_oscillation(recent, series.overview(), s.window, config.smoothing, True)
        if found is None or not is_oscillating(found, s):
            continue
        text = (
            f"{tag} swings ±{fmt(found.amplitude)} around its trend over the last {s.window} "
            f"points ({found.ratio:.0%} of its range {fmt(found.scale)}, in a regular rhythm): "
            "check the learning rate and data shuffling"
        )
        i = int(np.searchsorted(recent.steps, found.start_step))
        wall = float(recent.wall_times[min(i, recent.wall_times.shape[0] - 1)])
        alerts.append(Alert(run.name, tag, found.start_step, wall, AlertKind.OSCILLATING, text))
    return alerts
