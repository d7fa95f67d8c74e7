"""The memory budget: more series, shorter windows; every run kept, exact figures kept."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tfwatch.loading import load_once
from tfwatch.store import memory_budget
from tfwatch.store.memory_budget import MIN_BUCKETS, MIN_RECENT, fit_memory, limits_for
from tfwatch.store.series import LIMITS, MAX_BUCKETS, RECENT


@pytest.fixture(autouse=True)
def _limits_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    # (the limits are the process's: put them back after each test)
    monkeypatch.setattr(LIMITS, "recent", LIMITS.recent)
    monkeypatch.setattr(LIMITS, "buckets", LIMITS.buckets)


def test_limits_shrink_with_the_number_of_series() -> None:
    assert limits_for(1000) == memory_budget.SeriesLimits(RECENT, MAX_BUCKETS)
    at_100k = limits_for(100_000)  # 10,000 runs × 10 tags
    assert MIN_RECENT <= at_100k.recent < RECENT and MIN_BUCKETS <= at_100k.buckets < MAX_BUCKETS
    per_series = at_100k.recent * 24 * 1.25 + at_100k.buckets * 96
    assert per_series * 100_000 <= memory_budget.ARRAY_BUDGET_BYTES
    assert limits_for(10_000_000) == memory_budget.SeriesLimits(MIN_RECENT, MIN_BUCKETS)


def test_series_held_are_folded_and_keep_their_exact_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in range(3):
        w = SummaryWriter(str(tmp_path / f"run{k}"))
        for step in range(5000):
            value = float("nan") if step == 1234 else 1.0 / (1 + step) + (step == 777) * 50
            w.add_scalar("loss", value, step)
            w.add_scalar("acc", step / 5000, step)
        w.close()
    runs = load_once([str(tmp_path)]).runs
    before = {
        (n, t): (s.count, s.min_value, s.max_value, s.max_step, s.nan_count, s.last_value)
        for n, r in runs.items()
        for t, s in r.scalars.items()
    }
    # A budget six series cannot fill at full size: they must shrink.
    monkeypatch.setattr(memory_budget, "ARRAY_BUDGET_BYTES", 6 * 20_000)
    limits = fit_memory(runs)
    assert limits.recent < RECENT and limits.buckets < MAX_BUCKETS
    assert len(runs) == 3
    for (name, tag), figures in before.items():
        series = runs[name].scalars[tag]
        assert len(series.recent()) <= limits.recent + limits.recent // 4
        assert series._buckets.shape[0] <= limits.buckets
        got = (series.count, series.min_value, series.max_value, series.max_step)
        assert got == figures[:4]
        assert series.nan_count == figures[4] and math.isclose(series.last_value, figures[5])
        overview = series.overview()
        if tag == "loss":  # the spike and the NaN are still drawn
            assert float(overview.values[overview.steps == 777][0]) > 50.0
            assert math.isnan(float(overview.values[overview.steps == 1234][0]))
