"""The bounded series: exact aggregates, spikes and NaNs kept, memory bounded, restarts,
whatever sizes the points arrive in (a cold load brings tens of thousands at once,
tailing a few)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tfwatch.store.buckets import fold_rows, merge_buckets, total_bucket
from tfwatch.store.series import MAX_BUCKETS, RECENT, ScalarSeries


def _feed(series: ScalarSeries, steps: np.ndarray, values: np.ndarray, sizes: list[int]) -> None:
    at = 0
    for size in sizes:
        part = slice(at, at + size)
        series.extend(steps[part], values[part], steps[part].astype(np.float64) * 0.1)
        at += size
    if at < steps.shape[0]:
        series.extend(steps[at:], values[at:], steps[at:].astype(np.float64) * 0.1)


CHUNKINGS = {
    "one_batch": [],
    "small_batches": [7] * 3000,
    "a_cold_load_then_tailing": [48_720] + [10] * 100,
    "growing": [1, 10, 100, 1_000, 10_000, 30_000],
}


@pytest.mark.parametrize("chunking", sorted(CHUNKINGS))
def test_aggregates_are_exact_and_memory_stays_bounded(chunking: str) -> None:
    rng = np.random.default_rng(3)
    n = 60_000
    steps = np.arange(n, dtype=np.int64)
    values = np.exp(-steps / 20_000) + rng.normal(0, 0.01, n)
    values[12_345] = 50.0  # a spike deep in the folded history
    values[33_333] = np.nan
    values[44_444] = -np.inf
    series = ScalarSeries("loss")
    _feed(series, steps, values, CHUNKINGS[chunking])

    finite = values[np.isfinite(values)]
    assert series.count == n
    assert series.last_step == n - 1 and series.first_step == 0
    assert series.max_value == 50.0 and series.max_step == 12_345
    assert series.min_value == finite.min()
    assert series.nan_count == 1 and series.inf_count == 1
    # Bounded: full resolution for the recent window only, a few hundred buckets.
    assert len(series.recent()) <= RECENT + RECENT // 4
    assert series._buckets.shape[0] <= MAX_BUCKETS
    overview = series.overview()
    assert 50.0 in overview.values  # the spike is never hidden
    assert np.isnan(overview.values).any() and np.isneginf(overview.values).any()
    assert np.all(np.diff(overview.steps) > 0)
    np.testing.assert_array_equal(series.recent().steps, steps[-len(series.recent()) :])


def test_a_restart_supersedes_later_steps_across_folded_history() -> None:
    series = ScalarSeries("loss")
    steps = np.arange(20_000, dtype=np.int64)
    series.extend(steps, np.ones(20_000), steps * 1.0)
    # Resumed from the checkpoint at step 15,000: the rewritten steps win.
    again = np.arange(15_000, 16_000, dtype=np.int64)
    series.extend(again, np.full(1_000, 2.0), again * 1.0)
    assert series.last_step == 15_999 and series.last_value == 2.0
    assert series.max_value == 2.0
    # Superseded points are gone from the recent window.
    recent = series.recent()
    assert np.all(np.diff(recent.steps) > 0) and recent.steps[-1] == 15_999
    assert not math.isnan(series.min_value)


@pytest.mark.parametrize("seed", range(6))
def test_total_of_many_buckets_equals_merging_them_one_by_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, width = int(rng.integers(1, 300)), int(rng.integers(1, 9))
    values = rng.normal(size=(rows, width)).round(1)  # ties between buckets too
    special = rng.random(values.shape)
    values[special < 0.05] = np.nan
    values[(special > 0.05) & (special < 0.08)] = np.inf
    if seed == 0:
        values[:] = np.nan  # no finite value anywhere
    steps = np.arange(rows * width, dtype=np.int64).reshape(rows, width)
    walls = 1.7e9 + steps.astype(np.float64)
    parts = fold_rows(steps, values, walls)
    merged = parts[:1]
    for i in range(1, rows):
        merged = merge_buckets(merged, parts[i : i + 1])
    assert total_bucket(parts).tobytes() == merged.tobytes()


def test_count_follows_folds_and_restarts_between_reads() -> None:
    """``count`` keeps the buckets' total until the buckets change: read after every
    batch, it follows each fold, and a restart cutting into the buckets."""
    series = ScalarSeries("loss")
    for start in range(0, 30_000, 1_000):
        steps = np.arange(start, start + 1_000, dtype=np.int64)
        series.extend(steps, steps / 7.0, steps * 1.0)
        assert series.count == start + 1_000
    assert series._buckets.shape[0] > 0
    series.extend(np.array([12_345]), np.array([1.0]), np.array([2.0]))
    assert series.count == int(series._buckets["count"].sum()) + len(series.recent())
    assert series.count < 30_000 and series.last_step == 12_345


def _adopted(series: ScalarSeries) -> tuple[ScalarSeries, bytes]:
    """A series adopting read-only views of one buffer holding what ``series`` holds
    (as a restart from the cache makes it), and that buffer."""
    p = series.parts()
    raw = b"".join(
        a.tobytes() for a in (p.recent.steps, p.recent.values, p.recent.wall_times, p.buckets)
    )
    n, m = len(p.recent), p.buckets.shape[0]
    recent = (
        np.frombuffer(raw, np.int64, n, 0),
        np.frombuffer(raw, np.float64, n, 8 * n),
        np.frombuffer(raw, np.float64, n, 16 * n),
    )
    buckets = np.frombuffer(raw, p.buckets.dtype, m, 24 * n)
    return ScalarSeries.adopt(
        p.tag, recent, buckets, p.width, p.first, int(p.buckets["count"].sum())
    ), raw


@pytest.mark.parametrize("then", ["append", "rewind", "rewind_into_buckets", "shrink", "big_batch"])
def test_an_adopted_series_copies_its_borrowed_arrays_before_writing(then: str) -> None:
    """A series restored over read-only bytes behaves as the series it came from,
    whatever write comes first, and never writes into those bytes."""
    rng = np.random.default_rng(5)
    steps = np.arange(3000, dtype=np.int64)
    values = rng.normal(0, 1, 3000)
    original = ScalarSeries("loss")
    _feed(original, steps, values, [2000, 1000])
    adopted, raw = _adopted(original)
    before = bytes(raw)
    assert adopted.count == original.count and adopted.last_step == 2999
    start = {"append": 3000, "rewind": 2900, "rewind_into_buckets": 100}.get(then, 3000)
    more = np.arange(start, start + (5000 if then == "big_batch" else 10), dtype=np.int64)
    for series in (original, adopted):
        if then == "shrink":
            series.shrink()
        else:
            series.extend(more, more * 0.5, more * 0.1)
    assert raw == before
    for name in ("count", "first_step", "last_step", "min_value", "max_value", "min_step"):
        assert getattr(adopted, name) == getattr(original, name), name
    np.testing.assert_array_equal(adopted.recent().steps, original.recent().steps)
    np.testing.assert_array_equal(adopted.overview().values, original.overview().values)
