"""The forecast column's fits: refitted only for changed runs, never under another metric."""

from __future__ import annotations

from pathlib import Path

from tests.demo_runs import FIXED_NOW
from tfwatch.live.forecasts import ForecastCache, run_forecast
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.loading import load_once


def test_forecasts_are_refitted_only_for_changed_runs(demo_root: Path) -> None:
    store = load_once([str(demo_root)])
    builder = SnapshotBuilder()
    cache = ForecastCache(budget=None)
    first = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    again = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    for name in store.runs:
        assert again.runs[name] is first.runs[name]  # same rows: the table redraws nothing
    changed = "sweep/lr=0.1"
    store.runs[changed].version += 1  # as the store does when a run grows
    later = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    assert later.runs[changed] is not first.runs[changed]
    assert later.runs[changed].forecast == first.runs[changed].forecast  # same data, same fit
    for name in store.runs:
        if name != changed:
            assert later.runs[name] is first.runs[name]


def test_a_new_metric_never_shows_the_old_metrics_forecasts(demo_root: Path) -> None:
    store = load_once([str(demo_root)])
    builder = SnapshotBuilder()
    cache = ForecastCache(budget=None)
    first = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    assert all(
        r.forecast is not None and r.forecast.tag == "train/loss" for r in first.runs.values()
    )
    # The next tick after `m` has no time left to fit: the old forecasts are gone at once.
    cache.budget = 0.0
    builder.set_metrics(["val/accuracy"])
    switched = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    assert switched.metrics[0] == "val/accuracy"
    assert all(r.forecast is None for r in switched.runs.values())
    # Fits of the new metric are shown as they come, not held back for a batch.
    cache.budget = None
    cache.publish_every = 3600.0
    fitted = cache.apply(builder.build(store.runs, FIXED_NOW), store.runs)
    for name, run in fitted.runs.items():
        assert run.forecast == run_forecast(store.runs[name], "val/accuracy", [])
