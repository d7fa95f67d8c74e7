"""How often a run writes: the one estimate of its cadence from its event times."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def write_gaps(wall_times: npt.ArrayLike, decimals: int | None = None) -> npt.NDArray[np.float64]:
    """The positive gaps between distinct write times, in time order (``decimals``: round
    the times first, so events of one step logged microseconds apart count as one write)."""
    times = np.asarray(wall_times, dtype=np.float64)
    if decimals is not None:
        times = np.round(times, decimals)
    gaps = np.diff(np.sort(times))
    return gaps[gaps > 0]


def median(values: npt.NDArray[Any]) -> float:
    """Median of a non-empty array (``np.median`` of floats imports ``numpy.ma``, a cost
    that ``tfwatch ls`` would pay for nothing else)."""
    n = values.shape[0]
    half = np.partition(values, [(n - 1) // 2, n // 2])
    return (float(half[(n - 1) // 2]) + float(half[n // 2])) / 2


def write_cadence(wall_times: npt.ArrayLike) -> float | None:
    """Median gap between distinct write times, to the millisecond (None with fewer than
    three writes)."""
    gaps = write_gaps(wall_times, decimals=3)
    return median(gaps) if gaps.shape[0] >= 2 else None


def usual_gap(wall_times: npt.ArrayLike) -> float:
    """95th percentile of the gaps between distinct write times (0: unknown): the
    longest silence a run shows in normal work."""
    gaps = write_gaps(wall_times)
    return float(np.quantile(gaps, 0.95)) if gaps.shape[0] else 0.0


def step_stride(steps: npt.ArrayLike) -> int:
    """Median increment between logged steps (1 when unknown)."""
    diffs = np.diff(np.sort(np.asarray(steps, dtype=np.int64)))
    diffs = diffs[diffs > 0]  # distinct steps only
    return max(1, int(median(diffs))) if diffs.shape[0] else 1
