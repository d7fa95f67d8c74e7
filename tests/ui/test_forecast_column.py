"""The forecast and steps-to-target columns: values, n/a, sorting, refits by version."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from tests.demo_runs import FIXED_NOW
from tfwatch.analysis.forecast import forecast, steps_to_target
from tfwatch.live.forecasts import REPLICATES, run_forecast
from tfwatch.loading import load_once
from tfwatch.text.numbers import format_count
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import forecast_cell, forecast_text

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


@sync
async def test_ended_runs_show_no_steps_to_target(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    shown: dict[str, dict[str, str]] = {}
    for label, now in (("live", FIXED_NOW), ("ended", FIXED_NOW + 3600)):
        app = make_app(demo_root, targets=[TARGET], clock=lambda now=now: now)
        async with app.run_test(size=(170, 30)) as pilot:
            await wait_for(pilot, lambda app=app: app.snapshot is not None)
            await pilot.pause(0.1)
            assert app.snapshot is not None
            if label == "ended":  # an hour without a write: finished
                assert {r.state for r in app.snapshot.runs.values()} == {"finished"}
            shown[label] = {name: cell(app, name, "eta0") for name in app.snapshot.runs}
            assert "→accuracy" in screen_text(app)
    counts = [v for v in shown["live"].values() if v not in ("done", "never", "n/a", "-")]
    assert counts  # some live run is still on its way to the target
    for name, eta in shown["ended"].items():
        assert eta == ("done" if shown["live"][name] == "done" else "-")


def test_forecast_text_fits_its_width_without_cutting_a_number() -> None:
    cases = [(-1.5e-05, 6.43e-06), (0.1193, 0.0019), (-12345.678, 987.6), (3.2e7, 1.1e6)]
    for value, half in cases:
        for width in range(7, 24):
            text = forecast_text(value, half, width)
            assert len(text) <= width, (text, width)
            parts = text.split("±")
            assert math.isclose(float(parts[0]), value, rel_tol=0.05)
            if len(parts) == 2:
                assert math.isclose(float(parts[1]), half, rel_tol=0.05)
        assert forecast_text(value, half, 40).count("±") == 1
    assert forecast_text(-1.5e-05, 6.43e-06, 16) == "-1.50e-05±6.4e-6"
