"""HistogramPoint: one histogram record, as decoded and as stored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class HistogramPoint:
    """One histogram record, whichever encoding it came in."""

    step: int
    wall_time: float
    min: float
    max: float
    num: float
    sum: float
    sum_squares: float
    bucket_limits: npt.NDArray[np.float64]  # right edges
    bucket_counts: npt.NDArray[np.float64]
