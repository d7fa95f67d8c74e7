"""Runs built from the real store classes, for the analysis tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.file_state import EventFileState
from tfwatch.model.histograms import HistogramPoint
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.histograms import HistogramSeries
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries

T0 = 1_700_000_000.0


def arrays(
    steps: npt.ArrayLike, values: npt.ArrayLike, walls: npt.ArrayLike | None = None
) -> SeriesArrays:
    """A SeriesArrays with one second between points unless ``walls`` is given."""
    s = np.asarray(steps, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    w = T0 + np.arange(s.shape[0], dtype=np.float64) if walls is None else np.asarray(walls, float)
    return SeriesArrays(s, v, w)


def series(
    tag: str, steps: npt.ArrayLike, values: npt.ArrayLike, walls: npt.ArrayLike | None = None
) -> ScalarSeries:
    """A ScalarSeries holding the given points."""
    a = arrays(steps, values, walls)
    out = ScalarSeries(tag)
    out.extend(a.steps, a.values, a.wall_times)
    return out


def run_with(name: str = "run", *scalars: ScalarSeries, **kwargs: object) -> Run:
    """A Run holding ``scalars``; other Run fields from ``kwargs``."""
    run = Run(name=name, root="root", path=f"/logs/{name}")
    for s in scalars:
        run.scalars[s.tag] = s
    walls = [s.last_wall_time for s in scalars]
    run.last_wall_time = max(walls, default=0.0)
    for key, value in kwargs.items():
        setattr(run, key, value)
    return run


def histogram(
    step: int, weights: npt.ArrayLike, wall: float | None = None, bins: int = 30
) -> HistogramPoint:
    """A histogram record of ``weights`` in ``bins`` equal buckets."""
    w = np.asarray(weights, dtype=np.float64)
    counts, edges = np.histogram(w, bins=bins)
    return HistogramPoint(
        step=step,
        wall_time=T0 + step if wall is None else wall,
        min=float(w.min()),
        max=float(w.max()),
        num=float(w.size),
        sum=float(w.sum()),
        sum_squares=float((w * w).sum()),
        bucket_limits=edges[1:].astype(np.float64),
        bucket_counts=counts.astype(np.float64),
    )


def histogram_series(tag: str, points: Sequence[HistogramPoint]) -> HistogramSeries:
    """A HistogramSeries holding ``points``."""
    out = HistogramSeries(tag)
    for p in points:
        out.append(p)
    return out


def event_file(
    path: str, *, first_seen: float, last_growth: float, size: int = 1000, records: int = 10
) -> EventFileState:
    """An EventFileState as the tailer leaves it."""
    name = path.rsplit("/", 1)[-1]
    return EventFileState(
        path=path, name=name, size=size, offset=size, records=records,
        first_seen=first_seen, last_growth=last_growth,
    )  # fmt: skip
