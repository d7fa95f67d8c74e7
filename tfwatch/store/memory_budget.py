"""The store's memory budget: each series' window shrinks as the series grow in number.

A bounded series costs about ``24 B × 1.25 × window`` for its recent points plus
``96 B × buckets`` for its folded history, and about 1.5 kB of Python objects. At the
full window (1,024 points, 256 buckets) that is ~55 kB a series: 10,000 runs × 10 tags
would need 5.5 GB. So the window and the bucket count shrink together as the number of
series grows, keeping the series' arrays within :data:`ARRAY_BUDGET_BYTES`, never below
:data:`MIN_RECENT` points and :data:`MIN_BUCKETS` buckets; no run is ever dropped. The
budget (documented in the README) is 1.5 GB of resident memory at 10,000 runs × 10 tags,
measured by bench/memory.py.

The limits are the process's (one store per process); series read them at each write,
and :func:`fit_memory` folds the series already held when the limits shrink.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tfwatch.store.runs import Run
from tfwatch.store.series import LIMITS, MAX_BUCKETS, RECENT, ScalarSeries

#: Bytes of series arrays the store aims to stay within.
ARRAY_BUDGET_BYTES = 1_000_000_000
MIN_RECENT = 128
MIN_BUCKETS = 32
_BYTES_PER_POINT = 24 * 1.25  # step, value, wall time; arrays held 25 % over the window
_BYTES_PER_BUCKET = 96


@dataclass(frozen=True)
class SeriesLimits:
    """Points a series keeps at full resolution, and buckets for its older history."""

    recent: int
    buckets: int


def limits_for(series: int) -> SeriesLimits:
    """The limits for ``series`` bounded series in one process."""
    full = RECENT * _BYTES_PER_POINT + MAX_BUCKETS * _BYTES_PER_BUCKET
    if series <= 0 or series * full <= ARRAY_BUDGET_BYTES:
        return SeriesLimits(RECENT, MAX_BUCKETS)
    share = (ARRAY_BUDGET_BYTES / series) / full  # of the full window, < 1
    recent = max(MIN_RECENT, _power_of_two_at_most(int(RECENT * share)))
    buckets = max(MIN_BUCKETS, _power_of_two_at_most(int(MAX_BUCKETS * share)))
    return SeriesLimits(recent, buckets)


def _power_of_two_at_most(n: int) -> int:
    # (steps of two: a window that moves a little as runs come and go refolds nothing)
    return 1 << max(0, n.bit_length() - 1)


def fit_memory(runs: Mapping[str, Run] | Iterable[Run]) -> SeriesLimits:
    """Set the limits for the series of ``runs`` (the caller holds the store's lock);
    when they shrink, fold the series held down to them."""
    values = runs.values() if isinstance(runs, Mapping) else runs
    all_series: list[ScalarSeries] = [s for run in values for s in run.scalars.values()]
    limits = limits_for(len(all_series))
    shrinking = limits.recent < LIMITS.recent or limits.buckets < LIMITS.buckets
    LIMITS.recent, LIMITS.buckets = limits.recent, limits.buckets
    if shrinking:
        for series in all_series:
            series.shrink()
    return limits
