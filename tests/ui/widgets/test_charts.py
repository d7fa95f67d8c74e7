"""Charts: step ticks are round integers (``12k``, not ``149.8``); raw values drawn
faintly behind the smoothed line, inside the y axis."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext import PlotextPlot

from tfwatch.analysis.smoothing import smooth
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.compare import CompareScreen
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.widgets.charts import colour, faint, nice_ticks

from ..test_app import sync, wait_for


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 599), (0, 149.8), (3, 7), (0, 12_345), (1_000, 250_000), (17, 18)]
)
def test_nice_ticks_are_round_evenly_spaced_integers(lo: float, hi: float) -> None:
    ticks = nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 7
    assert all(isinstance(t, int) and lo <= t <= hi for t in ticks)
    gaps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(gaps) == 1
    (gap,) = gaps
    mantissa = gap / 10 ** math.floor(math.log10(gap))
    assert mantissa in (1, 2, 5)
    assert all(t % gap == 0 for t in ticks)


def test_nice_ticks_of_a_single_point() -> None:
    assert nice_ticks(5, 5) == [5]
    assert nice_ticks(math.nan, math.nan) == []


@sync
async def test_compare_chart_labels_steps_as_integers(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause(0.3)
        # The screen's own rows (the SVG export loses the gaps between tick labels).
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        axis = next(i for i, line in enumerate(lines) if line.strip().startswith("step"))
        labels = lines[axis - 1].split()
        last_step = max(r.last_step for r in app.snapshot.runs.values())  # type: ignore[union-attr]
        assert [str(t) for t in nice_ticks(0, last_step)] == labels


def chart_rows(app: TfwatchApp, widget: Widget) -> list[Strip]:
    """The screen rows ``widget`` covers, cut to its width, as drawn."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].crop(region.x, region.right) for y in range(region.y, region.bottom)]


def colours_drawn(rows: list[Strip]) -> set[tuple[int, ...]]:
    return {
        tuple(seg.style.color.triplet)  # type: ignore[union-attr]
        for row in rows
        for seg in row
        if seg.text.strip() and seg.style and seg.style.color and seg.style.color.triplet
    }


def y_tick_labels(rows: list[Strip]) -> list[float]:
    """Numbers left of the plot's vertical axis line."""
    labels = []
    for row in rows:
        left = row.text.split("│")[0].split("┤")[0].strip()
        try:
            labels.append(float(left))
        except ValueError:
            continue
    return labels


@sync
async def test_detail_chart_draws_raw_values_faintly_behind_the_smoothed_line(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tensorboardX import SummaryWriter

    values = [1.0 / (1 + 0.1 * step) for step in range(200)] + [5.0]  # a late spike
    w = SummaryWriter(str(tmp_path / "spiky"))
    for step, value in enumerate(values):
        w.add_scalar("loss", value, step)
    w.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        chart = screen.query_one("#chart-0", PlotextPlot)
        rows = chart_rows(app, chart)
        assert "last 5" in rows[0].text or any("last 5" in r.text for r in rows[:2])
        # The y axis reaches the raw spike, which the smoothed line never gets near.
        smoothed = smooth(np.array(values), screen.options.smoothing)
        assert max(y_tick_labels(rows)) > float(smoothed.max()) + 1.0
        background = Color.parse(app.theme_variables["surface"]).rgb
        drawn = colours_drawn(rows)
        assert colour(0) in drawn and faint(colour(0), background) in drawn
        await pilot.press("0")  # smoothing off: one line, the raw one, in full colour
        await pilot.pause(0.3)
        rows = chart_rows(app, chart)
        drawn = colours_drawn(rows)
        assert colour(0) in drawn and faint(colour(0), background) not in drawn
        assert max(y_tick_labels(rows)) >= 4.0


@sync
async def test_compare_chart_draws_each_runs_raw_values_in_its_faint_colour(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause(0.3)
        background = Color.parse(app.theme_variables["surface"]).rgb
        drawn = colours_drawn(chart_rows(app, app.screen.query_one(PlotextPlot)))
        runs = len(app.screen.names)  # type: ignore[attr-defined]
        assert runs >= 2
        for index in range(runs):
            assert {colour(index), faint(colour(index), background)} <= drawn
