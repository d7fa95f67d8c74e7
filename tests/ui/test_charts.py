"""Chart axes: step ticks are round integers, shown as ``12k`` rather than ``149.8``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.charts import nice_ticks
from tfwatch.ui.compare_screen import CompareScreen

from .test_app import sync, wait_for


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
