"""The forecast and steps-to-target columns: values, n/a, sorting, refits by version."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from tfwatch.analysis.forecast import forecast, steps_to_target
from tfwatch.formatting import format_count
from tfwatch.loading import load_once
from tfwatch.store.snapshot import SnapshotBuilder
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import forecast_cell
from tfwatch.ui.forecasts import REPLICATES, ForecastCache, run_forecast

from .conftest import FIXED_NOW
from .test_app import screen_text, sync, table, wait_for

TARGET = ("val/accuracy", 0.7)


def cell(app: TfwatchApp, run: str, key: str) -> str:
    keys = [c.key for c in table(app).columns_shown]
    return table(app).get_row(run)[keys.index(key)].plain.strip()


@sync
async def test_forecast_and_target_columns_show_the_fits(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    store = load_once([str(demo_root)])
    app = make_app(demo_root, targets=[TARGET])
    async with app.run_test(size=(170, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.pause(0.1)
        snap = app.snapshot
        assert snap is not None
        assert "forecast" in screen_text(app) and "→accuracy" in screen_text(app)
        known = 0
        for name, run in store.runs.items():
            fc = forecast(run.scalars["train/loss"].overview(), replicates=REPLICATES)
            shown = cell(app, name, "forecast")
            if fc is None:
                assert shown == "n/a"
                continue
            known += 1
            assert snap.runs[name].forecast == run_forecast(run, "train/loss", [TARGET])
            assert math.isclose(snap.runs[name].forecast.value, fc.value)  # type: ignore[union-attr]
            assert shown.startswith(forecast_cell(snap.runs[name]).plain.strip()[:4])
            assert "±" in shown
            acc = forecast(run.scalars["val/accuracy"].overview(), replicates=REPLICATES)
            eta = cell(app, name, "eta0")
            if acc is None:
                assert eta == "n/a"
            else:
                steps = steps_to_target(acc, TARGET[1], True).steps
                expected = {None: "never", 0: "done"}.get(steps, format_count(steps or 0))
                assert eta == expected
        assert 0 < known < len(store.runs)  # the NaN run's fit is poor: n/a

        app.sort_by("forecast")
        await pilot.pause(0.1)
        values = {
            n: r.forecast.value
            for n, r in snap.runs.items()
            if r.forecast is not None and r.forecast.known
        }
        order = table(app).order
        assert order[: len(values)] == sorted(values, key=lambda n: (values[n], n))
        assert set(order[len(values) :]) == set(snap.runs) - set(values)


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
