"""Statistics of a group of runs: one metric's last and best values, and its band.

Mean, standard deviation, min and max are taken over the members whose value is finite;
``n`` says how many that was and ``nonfinite`` how many were NaN or ±Inf, so a member
that blew up is counted, never silently averaged in (one NaN would make every mean NaN)
nor silently dropped. The standard deviation is the sample one (``ddof=1``): seeds are a
sample of what the configuration does; with fewer than two finite values it is NaN.

The band aligns the members on steps: at each step of a shared grid, a member counts
with its latest value at or before that step, and only once it has reached the step
(its first point is at or before it and its last at or after it). So the band narrows
honestly to the members that got that far, and ``count`` says how many that is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Grid points of a band (at most: fewer when the members share fewer steps).
BAND_POINTS = 240


@dataclass(frozen=True)
class MetricStats:
    """One metric over a group's members."""

    #: Members that have the metric at all, and how many of those have a finite last.
    count: int
    n: int
    nonfinite: int
    last_mean: float
    last_std: float
    last_min: float
    last_max: float
    #: Mean over the members' best values (each the min or max of its whole series).
    best_mean: float

    @staticmethod
    def of(lasts: Sequence[float], bests: Sequence[float]) -> MetricStats:
        """The statistics of members' ``lasts`` and ``bests`` (same members, any order).
        Plain Python: groups hold a handful of runs, where NumPy's per-call cost is ten
        times the arithmetic (it dominated grouping 1,000 runs)."""
        finite = [float(v) for v in lasts if math.isfinite(v)]
        good_best = [float(v) for v in bests if math.isfinite(v)]
        n = len(finite)
        mean = math.fsum(finite) / n if n else math.nan
        std = math.nan
        if n >= 2:
            std = math.sqrt(math.fsum((v - mean) ** 2 for v in finite) / (n - 1))
        return MetricStats(
            count=len(lasts),
            n=n,
            nonfinite=len(lasts) - n,
            last_mean=mean,
            last_std=std,
            last_min=min(finite) if n else math.nan,
            last_max=max(finite) if n else math.nan,
            best_mean=math.fsum(good_best) / len(good_best) if good_best else math.nan,
        )


@dataclass(frozen=True)
class Band:
    """A group's metric over aligned steps: per grid step, the members' statistics."""

    steps: I64
    mean: F64
    std: F64
    low: F64
    high: F64
    #: Members that reached each step (with a finite value there).
    count: npt.NDArray[np.int64]
    #: Members in the group.
    members: int

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    @property
    def narrows_at(self) -> list[tuple[int, int]]:
        """``(step, count)`` where the count of members changes (the band narrows or
        widens there): what a chart annotates."""
        if not len(self):
            return []
        change = np.flatnonzero(np.diff(self.count)) + 1
        return [(int(self.steps[i]), int(self.count[i])) for i in change]


def _grid(members: Sequence[tuple[I64, F64]], points: int) -> I64:
    """The steps the band is computed at: every step any member logged when they are
    few, else ``points`` evenly spaced steps from the first to the last."""
    firsts = [int(s[0]) for s, _ in members if s.shape[0]]
    lasts = [int(s[-1]) for s, _ in members if s.shape[0]]
    if not firsts:
        return np.empty(0, dtype=np.int64)
    union = np.unique(np.concatenate([s for s, _ in members]))
    if union.shape[0] <= points:
        return union.astype(np.int64)
    grid = np.linspace(min(firsts), max(lasts), points)
    return np.unique(np.round(grid).astype(np.int64))


def aligned_band(members: Sequence[tuple[I64, F64]], points: int = BAND_POINTS) -> Band:
    """The band of ``members`` (each its ``(steps, values)``, steps ascending)."""
    grid = _grid(members, points)
    held = np.full((len(members), grid.shape[0]), np.nan)
    for row, (steps, values) in enumerate(members):
        if not steps.shape[0]:
            continue
        at = np.searchsorted(steps, grid, side="right") - 1
        reached = (at >= 0) & (grid <= steps[-1])
        held[row, reached] = values[at[reached]]
    finite = np.isfinite(held)
    count = finite.sum(axis=0).astype(np.int64)
    safe = np.where(finite, held, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=0) / count
        sq = np.where(finite, (held - mean) ** 2, 0.0).sum(axis=0)
        std = np.sqrt(sq / (count - 1))
    std[count < 2] = np.nan
    mean[count == 0] = np.nan
    low = np.where(finite, held, np.inf).min(axis=0, initial=np.inf)
    high = np.where(finite, held, -np.inf).max(axis=0, initial=-np.inf)
    low[count == 0] = np.nan
    high[count == 0] = np.nan
    return Band(grid, mean, std, low, high, count, len(members))
