"""What the analysis reads from the store, as structural types.

The detectors are written against these protocols rather than the store's classes so
they depend on a handful of attributes, not on how the store keeps its data; the real
``tfwatch.store`` classes satisfy them, and so does any small object with the same
attributes (a third-party detector's own fixtures, for instance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


class PointArrays(Protocol):
    """Points of one scalar series in step order (``SeriesArrays``)."""

    @property
    def steps(self) -> I64: ...
    @property
    def values(self) -> F64: ...
    @property
    def wall_times(self) -> F64: ...


@dataclass(frozen=True)
class SeriesPoints:
    """A plain :class:`PointArrays`, for series the analysis derives (smoothed, sliced)."""

    steps: I64
    values: F64
    wall_times: F64


class ScalarSeriesLike(Protocol):
    """One scalar tag of a run (``ScalarSeries``)."""

    @property
    def tag(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def first_step(self) -> int: ...
    @property
    def first_value(self) -> float: ...
    @property
    def last_step(self) -> int: ...
    @property
    def last_value(self) -> float: ...
    @property
    def last_wall_time(self) -> float: ...
    @property
    def nan_count(self) -> int: ...
    @property
    def inf_count(self) -> int: ...
    @property
    def first_nonfinite_step(self) -> int | None: ...

    def recent(self) -> PointArrays:
        """The most recent points at full resolution."""
        ...

    def overview(self) -> PointArrays:
        """The whole history, bounded, never hiding a spike or a non-finite point."""
        ...


class HistogramPointLike(Protocol):
    """One histogram record (``HistogramPoint``)."""

    @property
    def step(self) -> int: ...
    @property
    def wall_time(self) -> float: ...
    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    @property
    def num(self) -> float: ...
    @property
    def sum(self) -> float: ...
    @property
    def sum_squares(self) -> float: ...
    @property
    def bucket_limits(self) -> F64: ...
    @property
    def bucket_counts(self) -> F64: ...


class HistogramSeriesLike(Protocol):
    """One histogram tag of a run (``HistogramSeries``)."""

    @property
    def tag(self) -> str: ...
    @property
    def count(self) -> int: ...

    def recent(self) -> Sequence[HistogramPointLike]:
        """The last records, step order."""
        ...


class EventFileLike(Protocol):
    """Reading state of one event file (``EventFileState``)."""

    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def records(self) -> int: ...
    @property
    def first_seen(self) -> float: ...
    @property
    def last_growth(self) -> float: ...
    @property
    def gone(self) -> bool: ...
    @property
    def pid(self) -> int | None: ...
    @property
    def host(self) -> str | None: ...


class RunLike(Protocol):
    """One run directory (``Run``)."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def scalars(self) -> Mapping[str, ScalarSeriesLike]: ...
    @property
    def histograms(self) -> Mapping[str, HistogramSeriesLike]: ...
    @property
    def files(self) -> Mapping[str, EventFileLike]: ...
    @property
    def events(self) -> int: ...
    @property
    def last_wall_time(self) -> float: ...
    @property
    def last_growth(self) -> float: ...
    @property
    def gone(self) -> bool: ...
