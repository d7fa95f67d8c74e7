"""Histogram tags of a run: the last few distributions, enough for change detection."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

KEEP = 64


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


class HistogramSeries:
    """One histogram tag of one run: a count and the most recent records."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.count = 0
        self._recent: deque[HistogramPoint] = deque(maxlen=KEEP)

    def append(self, point: HistogramPoint) -> None:
        """Add a record in file order; a rewound step drops the records it supersedes."""
        while self._recent and self._recent[-1].step >= point.step:
            self._recent.pop()
            self.count -= 1
        self._recent.append(point)
        self.count += 1

    def recent(self) -> list[HistogramPoint]:
        """The last records, step order."""
        return list(self._recent)
