"""``g`` in the real app over a real seeded sweep: group rows with counts and mean±std,
Enter/→/← open and close them, filtering keeps a group while a member matches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ui.test_app import screen_text, sync, table, wait_for
from tests.writers import DIR_SWEEP, SEED_SWEEP, write_seed_sweep
from tfwatch.analysis.grouping import parse_group_by
from tfwatch.live.group_view import GROUP_PREFIX
from tfwatch.ui.app import TfwatchApp

RUNS = len(SEED_SWEEP) + len(DIR_SWEEP)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds")
    write_seed_sweep(root)
    return root


def groups_shown(app: TfwatchApp) -> list[str]:
    return [k for k in table(app).order if k.startswith(GROUP_PREFIX)]


@sync
async def test_g_groups_by_hparams_then_directory_then_off(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        text = screen_text(app)
        assert "lr=0.01 opt=adam ×3" in text and "bs=32 lr=0.1 ×3" in text
        assert "lr=0.001 opt=sgd ×3" in text and "1/3 nan" in text  # one member's loss ended in NaN
        assert "±" in text  # mean ± std of the last values
        await pilot.press("g")
        await wait_for(
            pilot, lambda: len(groups_shown(app)) == 3 and "dirs/lr=0.1_bs=32" in screen_text(app)
        )
        assert "tbx ×3" in screen_text(app)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        assert not groups_shown(app)


@sync
async def test_enter_and_arrows_open_and_close_a_group(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        first = table(app).order[0]
        assert table(app).current_run == first
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        members = table(app).order[1:4]
        assert not any(m.startswith(GROUP_PREFIX) for m in members)
        await pilot.press("down", "down", "left")  # ← on a member closes its group
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        assert table(app).current_run == first
        await pilot.press("right")
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("left")
        await wait_for(pilot, lambda: len(table(app).order) == 3)


@sync
async def test_a_filter_keeps_groups_with_a_matching_member(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        await pilot.press("slash", *"opt=sgd", "enter")
        await wait_for(pilot, lambda: len(table(app).order) == 1)
        await pilot.press("slash", "ctrl+u", *"tb/t", "enter")  # members of two groups
        await wait_for(pilot, lambda: len(table(app).order) == 2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(table(app).order) > 2)
        assert all(k.startswith(GROUP_PREFIX) or k.startswith("tb/") for k in table(app).order)
        assert "shown" in screen_text(app)  # "1 shown ×3": fewer members pass the filter


@sync
async def test_group_by_given_on_the_command_line_starts_grouped(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep, group_by=parse_group_by(r"re:^(?P<writer>[a-z]+)/"))
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(groups_shown(app)) == 3)
        assert "writer=tbx ×3" in screen_text(app)
        await pilot.press("g")  # the cycle goes on: off
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)


@sync
async def test_h_opens_the_hparams_view_sorts_and_filters(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from textual.widgets import DataTable

    from tfwatch.ui.screens.hparams import HparamsScreen

    app = make_app(sweep)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HparamsScreen))
        screen = app.screen
        grid = screen.query_one("#hparams-table", DataTable)
        await wait_for(pilot, lambda: grid.row_count == RUNS)
        text = screen_text(app)
        assert "importance of train/loss: lr ρ=-0.94 (n=8, strong)" in text
        assert "★ best run: dirs/lr=0.1_bs=32/seed=0" in text
        first = grid.coordinate_to_cell_key((0, 0)).row_key.value
        assert first == "dirs/lr=0.1_bs=32/seed=0"  # best first
        await pilot.press("s", "s", "s")  # by name, then the first hparams that differ…
        await wait_for(
            pilot, lambda: "sort: Trial" in screen_text(app) or "sort: bs" in screen_text(app)
        )
        await pilot.press("slash", *"lr<0.005", "enter")
        await wait_for(pilot, lambda: grid.row_count == 3)
        assert "(3/9 runs)" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HparamsScreen))
        await pilot.press("g", "h")
        await wait_for(pilot, lambda: isinstance(app.screen, HparamsScreen))
        grid = app.screen.query_one("#hparams-table", DataTable)
        await wait_for(pilot, lambda: grid.row_count == 3)
        assert "hparams: 3 groups" in screen_text(app)


@sync
async def test_c_while_grouped_compares_groups_as_bands(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tfwatch.ui.screens.band_compare import BandCompareScreen

    app = make_app(sweep)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, BandCompareScreen))
        screen = app.screen
        assert isinstance(screen, BandCompareScreen)
        assert sorted(screen.bands) == ["bs=32 lr=0.1", "lr=0.001 opt=sgd", "lr=0.01 opt=adam"]
        text = screen_text(app)
        assert "band min–max" in text
        # Members of 20, 15 and 10 steps: the band narrows, and the legend says where.
        assert "bs=32 lr=0.1" in text and "3 runs  n=3→2→1" in text
        assert "n=2" in text  # written on the chart where a member stopped
        await pilot.press("b")
        await wait_for(pilot, lambda: "band ±std" in screen_text(app))
        await pilot.press("escape", "space")  # mark one group: compare it alone
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, BandCompareScreen))
        assert len(app.screen.bands) == 1  # type: ignore[attr-defined]


def test_shading_fills_the_band_column_by_column() -> None:
    import numpy as np

    from tfwatch.ui.widgets.band_chart import shade_points

    x = np.arange(4, dtype=np.float64)
    low = np.array([0.0, 0.0, np.nan, 1.0])
    high = np.array([1.0, 0.0, np.nan, 1.0])
    xs, ys = shade_points(x, low, high, columns=10, rows=10, y_span=(0.0, 1.0))
    assert xs.count(0.0) == 10 and min(ys) == 0.0 and max(ys) == 1.0  # a dot per row
    assert xs.count(1.0) == 1 and xs.count(3.0) == 1 and 2.0 not in xs  # gap: no band
    few, _ = shade_points(np.arange(100.0), np.zeros(100), np.zeros(100), 10, 10, (0.0, 1.0))
    assert len(set(few)) == 10  # at most one column of dots per braille column


@sync
async def test_going_to_a_run_opens_its_group(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        app.goto_run("tb/t2")
        await wait_for(pilot, lambda: table(app).current_run == "tb/t2")
        assert len(table(app).order) == 6  # its group opened, the others stay closed


def test_hostile_group_labels_render_as_text() -> None:
    from rich.text import Text

    from tfwatch.analysis.grouping import group_key, key_label
    from tfwatch.ui.group_rows import group_name_cell

    spec = parse_group_by("hparams")
    key = group_key(spec, "x", {"opt": "[bold red]adam\x1b[2J", "seed": 1.0})
    assert key_label(key) == "opt=[bold red]adam\x1b[2J"
    from tfwatch.live.group_view import GroupSummary, group_id

    group = GroupSummary(group_id(key), key, key_label(key), ("x",), 0, 0, (), {}, None)  # type: ignore[arg-type]
    cell = group_name_cell(group, 40)
    assert isinstance(cell, Text) and "[bold red]adam" in cell.plain  # markup kept as text
    assert "\x1b" not in cell.plain  # no control character reaches the terminal


@sync
async def test_b_writes_group_spreads_as_min_max(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tests.writers import seed_sweep_loss
    from tfwatch.text.numbers import format_value

    app = make_app(sweep)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == RUNS)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        lasts = [seed_sweep_loss(lr, s, n - 1) for _, _, lr, _, s, n, _ in SEED_SWEEP if lr == 1e-2]
        span = f"{format_value(min(lasts))}–{format_value(max(lasts))}"
        assert span not in screen_text(app)
        await pilot.press("b")
        await wait_for(pilot, lambda: span in screen_text(app))
        await pilot.press("b")
        await wait_for(pilot, lambda: span not in screen_text(app) and "±" in screen_text(app))
