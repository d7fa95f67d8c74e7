"""Flat metrics: the trend test for per-step tags, and stalled versus converged.

Values here are "badness" (``-value`` for higher-is-better metrics), so an improvement is
always a fall, and every amount is in the metric's own units. Noise is the metric's noise
floor (:func:`~tfwatch.analysis.noise.noise_floor`): one point's robust standard
deviation, never below the smallest step the metric takes.

**Per-step tags** (a ``train/loss`` logged every 10 steps). A straight line is fitted to
the trailing ``window`` share of the recent points (at least ``min_points / 2``); its
change over the window, ± two standard errors, must lie within ± the larger of
``flat_share`` × the progress made before the window and ``flat_sigmas`` noise units. So a loss
still falling by a visible amount, or rising (diverging's business), is not flat; a warm-up
bump is not flat either. The same test over every recent point catches a metric that never
moved at all.

**Stalled or converged.** A flat metric is ``converged`` when it made real progress
before going flat (more than ``progress_sigmas`` noise units from its early level) and
stopped near where it was heading: the points before the flat stretch, continued as a
decaying curve (:func:`heading_shortfall`), would have gone on improving by less than
``stall_share`` of its progress. Otherwise it is a ``plateau``: it stalled while still
heading somewhere, or never learned at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.settings import PlateauSettings
from tfwatch.model.alert_kinds import AlertKind

F64 = npt.NDArray[np.float64]

#: Points whose median is the early level.
EARLY_POINTS = 10


@dataclass(frozen=True)
class FlatStretch:
    """A flat end of a series and what came before it (amounts in the metric's units)."""

    #: Index of the first point of the flat stretch.
    start: int
    #: ``plateau`` (stalled or never learned) or ``converged``.
    kind: AlertKind
    #: Improvement from the early level to the flat level.
    progress: float
    #: How far above where it was heading it stopped (see :func:`heading_shortfall`).
    shortfall: float
    #: Improvement over the flat stretch (fitted line).
    during: float
    #: The noise floor the amounts were judged by.
    noise: float
    #: Whether it made real progress before going flat.
    learned: bool


def line_change(bad: F64, noise: float) -> tuple[float, float]:
    """Improvement (fall) of a least-squares line over ``bad`` from its first to its last
    point, and the standard error of that change for independent noise ``noise``."""
    p = bad.shape[0]
    if p < 2:
        return 0.0, math.inf
    x = np.arange(p, dtype=np.float64)
    slope = float(np.polyfit(x, bad, 1)[0])
    se = noise * math.sqrt(12.0 * (p - 1) / (p * (p + 1)))
    return -slope * (p - 1), se


def early_level(before: F64) -> float:
    """The level a series started from: the median of the first points of ``before`` (the
    points before its flat stretch), at most a third of them, so that a metric that got
    there fast is not judged by its flat part."""
    return float(np.median(before[: max(1, min(EARLY_POINTS, before.shape[0] // 3))]))


def classify(bad: F64, start: int, noise: float, s: PlateauSettings) -> FlatStretch:
    """Stalled or converged, for a series whose points from ``start`` on are flat."""
    flat = bad[start:]
    level = float(np.mean(flat))
    progress = early_level(bad[: max(1, start)]) - level
    shortfall = heading_shortfall(bad[: start + 1], level, noise)
    learned = progress > s.progress_sigmas * noise
    # Within two noise units the extrapolation cannot tell where it was heading.
    arrived = shortfall <= max(s.stall_share * max(progress, 0.0), 2.0 * noise)
    kind = AlertKind.CONVERGED if learned and arrived else AlertKind.PLATEAU
    during, _ = line_change(flat, noise)
    return FlatStretch(start, kind, progress, shortfall, during, noise, learned)


def heading_shortfall(before: F64, level: float, noise: float) -> float:
    """How far above where it was heading a series stopped at ``level``.

    The points before the flat stretch are cut in thirds; their means' two drops ``d1``
    and ``d2`` say how fast it was slowing down. A geometric continuation (an exponential
    decay's) of those drops gives where it was heading: ``last third - d2·r/(1 - r)``
    with ``r = d2/d1``. A last drop within two standard errors of zero means it had
    already arrived; one that did not slow down heads nowhere in particular (infinite
    shortfall).
    """
    third = before.shape[0] // 3
    if third < 1:
        return 0.0  # too short a history to say it was heading anywhere
    a, b, c = (float(np.mean(part)) for part in np.array_split(before, 3))
    d1, d2 = a - b, b - c
    se = noise * math.sqrt(2.0 / third)
    if d2 <= 2.0 * se:
        return max(level - c, 0.0)
    if d1 <= d2:
        return math.inf
    r = d2 / d1
    return max(level - (c - d2 * r / (1.0 - r)), 0.0)


def flat_end(bad: F64, noise: float, s: PlateauSettings) -> FlatStretch | None:
    """The flat end of a per-step series (None: still moving, or too few points)."""
    n = bad.shape[0]
    if n < s.min_points:
        return None
    width = max(s.min_points // 2, math.ceil(s.window * n))
    for start in (n - width, 0):  # the recent stretch, then the whole series
        change, se = line_change(bad[start:], noise)
        before = early_level(bad[:start]) - float(np.mean(bad[start:])) if start else 0.0
        allowed = max(s.flat_share * max(before, 0.0), s.flat_sigmas * noise)
        if abs(change) + 2.0 * se < allowed:
            return classify(bad, start, noise, s)
    return None
