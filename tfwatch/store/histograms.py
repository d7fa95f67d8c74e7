"""Histogram tags of a run: the last few distributions, enough for change detection."""

from __future__ import annotations

from collections import deque

from tfwatch.model.histograms import HistogramPoint

KEEP = 64


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

    @classmethod
    def from_parts(cls, tag: str, count: int, recent: list[HistogramPoint]) -> HistogramSeries:
        """A series holding ``count`` records of which ``recent`` are kept (a cache's)."""
        series = cls(tag)
        series.count = count
        series._recent.extend(recent[-KEEP:])
        return series

    def recent(self) -> list[HistogramPoint]:
        """The last records, step order."""
        return list(self._recent)
