"""The line-drawn runs table: keys and clicks move the cursor as DataTable's did."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.ui.app_driving import screen_text, sync, table, wait_for
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.widgets.runs_table import RunsTable


@sync
async def test_home_end_and_pages_move_the_cursor(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        order = table(app).order
        await pilot.press("end")
        assert table(app).current_run == order[-1] and table(app).cursor_row == 5
        await pilot.press("home")
        assert table(app).current_run == order[0]
        await pilot.press("pagedown")  # a page is more than six rows: the last one
        assert table(app).current_run == order[-1]
        await pilot.press("up", "up")
        assert table(app).current_run == order[3]
        await pilot.press("pageup")
        assert table(app).cursor_row == 0


@sync
async def test_a_click_selects_a_row_and_a_second_click_opens_it(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        order = table(app).order
        await pilot.click(RunsTable, offset=(10, 3))  # the header, then rows 0, 1, 2
        await wait_for(pilot, lambda: table(app).current_run == order[2])
        assert not isinstance(app.screen, DetailScreen)
        await pilot.click(RunsTable, offset=(10, 3))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert order[2] in screen_text(app)


@sync
async def test_the_header_row_stays_while_the_rows_scroll(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 8)) as pilot:  # room for the header and few rows
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        assert "step" in text  # the header
        assert table(app).order[-1].split("/")[-1] in text
