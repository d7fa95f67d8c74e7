"""How often a run writes and by how many steps: medians over its recent points."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def median(values: npt.NDArray[Any]) -> float:
    """Median of a non-empty array (``np.median`` of floats imports ``numpy.ma``, a cost
    that ``tfwatch ls`` would pay for nothing else)."""
    n = values.shape[0]
    half = np.partition(values, [(n - 1) // 2, n // 2])
    return (float(half[(n - 1) // 2]) + float(half[n // 2])) / 2


def write_cadence(wall_times: npt.ArrayLike) -> float | None:
    """Median gap between distinct write times (None with fewer than three)."""
    # Events of one step logged together differ by microseconds: count them as one write.
    times = np.sort(np.round(np.asarray(wall_times, dtype=np.float64), 3))
    gaps = np.diff(times)
    gaps = gaps[gaps > 0]
    return median(gaps) if gaps.shape[0] >= 2 else None


def step_stride(steps: npt.ArrayLike) -> int:
    """Median increment between logged steps (1 when unknown)."""
    diffs = np.diff(np.sort(np.asarray(steps, dtype=np.int64)))
    diffs = diffs[diffs > 0]  # distinct steps only
    return max(1, int(median(diffs))) if diffs.shape[0] else 1
