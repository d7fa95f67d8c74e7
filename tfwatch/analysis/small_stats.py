"""Mean and median of the short arrays the health detectors read, at Python's speed.

A run's health reads dozens of means and medians of a few points each (the first three
points, a quarter of the recent window…); NumPy's ``mean`` and ``median`` cost 10–50 us
a call in argument handling alone, which at 10,000 runs was most of a first full
picture. These give NumPy's results (the same floating-point operations: a pairwise
sum divided by the count; the middle value, or the mean of the two middle ones; NaN
when any value is NaN or there is none) without that overhead.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: Above this many values NumPy's own median (a partition) is the faster one.
_SORT_UP_TO = 64


def mean(values: npt.NDArray[np.float64]) -> float:
    """``float(np.mean(values))`` of a 1-D float array (NaN when empty)."""
    n = values.shape[0]
    return float(values.sum()) / n if n else math.nan


def median(values: npt.NDArray[np.float64]) -> float:
    """``float(np.median(values))`` of a 1-D float array (NaN when empty or any is)."""
    n: int = values.shape[0]
    if n > _SORT_UP_TO:
        return float(np.median(values))
    if not n:
        return math.nan
    ordered: list[float] = sorted(values.tolist())
    if any(v != v for v in ordered):  # (NaN: sorted leaves it anywhere)
        return math.nan
    half = n // 2
    return ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2
