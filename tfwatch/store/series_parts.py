"""Everything a bounded scalar series holds, as plain arrays: what a cache of runs keeps
(:meth:`~tfwatch.store.series.ScalarSeries.parts`; ``adopt`` takes the same fields back)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.model.series_arrays import SeriesArrays


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class SeriesParts:
    """A series' recent points, its buckets (of :data:`tfwatch.store.buckets.BUCKET`),
    their width in points, and its first point (step, value)."""

    tag: str
    recent: SeriesArrays
    buckets: npt.NDArray[np.void]
    width: int
    first: tuple[int, float] | None
