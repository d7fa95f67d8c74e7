"""The real app, headless: keys pressed through the pilot, results read off the screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static

from tests.ui.app_driving import ALL, screen_text, sync, table, wait_for
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.compare import CompareScreen
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.screens.help import HelpScreen
from tfwatch.ui.sorting import SORT_MODES


@sync
async def test_table_shows_every_run_with_names_taken_literally(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        assert table(app).order == ALL
        text = screen_text(app)
        assert "baseline[bs=64]" in text  # brackets kept, not parsed as markup
        assert "6/6 runs" in text
        assert "NaN" in text  # the diverged run's last loss
        # The run that stopped writing: idle by recency, or finished/unknown once the
        # system sampler has looked for its process (whichever tick comes first).
        await wait_for(
            pilot, lambda: any(w in screen_text(app) for w in ("idle", "finished", "unknown"))
        )


@sync
async def test_filter_narrows_live_and_escape_clears(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("slash", *"lr<0.05")
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        assert table(app).order == ["sweep/lr=0.003", "sweep/lr=0.01", "sweep/lr=0.03"]
        assert "3/6 runs" in screen_text(app)
        await pilot.press("enter")  # back to the table, filter kept
        assert app.focused is table(app)
        assert len(table(app).order) == 3
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        assert "6/6 runs" in screen_text(app)


@sync
async def test_sort_by_value_and_convergence_keeps_the_cursor_on_its_run(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("down", "down")  # sweep/lr=0.01
        assert table(app).current_run == "sweep/lr=0.01"
        await pilot.press("s")  # by value, best (lowest loss) first
        assert SORT_MODES[app.sort_index].key == "value"
        order = table(app).order
        assert order[0] == "sweep/lr=0.1"  # the fast converger has the lowest loss
        assert order[-1] == "sweep/lr=0.3"  # NaN sorts last
        assert table(app).current_run == "sweep/lr=0.01"
        assert table(app).cursor_row == order.index("sweep/lr=0.01")
        await pilot.press("S")  # reversed: NaN still last
        rev = table(app).order
        assert rev[0] == "sweep/lr=0.003" and rev[-1] == "sweep/lr=0.3"
        assert table(app).current_run == "sweep/lr=0.01"
        while SORT_MODES[app.sort_index].key != "plateau":
            await pilot.press("s")
        await pilot.press("S")  # plateau, flattest first again
        flat = table(app).order
        assert flat.index("sweep/lr=0.01") < flat.index("baseline[bs=64]")
        assert table(app).current_run == "sweep/lr=0.01"
        assert "plateau" in screen_text(app)


@sync
async def test_marking_and_comparison_view(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("space")  # baseline, cursor moves down
        await pilot.press("down", "down", "down", "space")  # sweep/lr=0.1
        await pilot.press("down", "space")  # sweep/lr=0.3
        assert app.marked == {"baseline[bs=64]", "sweep/lr=0.1", "sweep/lr=0.3"}
        assert "3 marked" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.names == ["baseline[bs=64]", "sweep/lr=0.1", "sweep/lr=0.3"]
        legend = str(screen.query_one("#compare-legend", Static).content)
        assert "baseline[bs=64]" in legend and "sweep/lr=0.3" in legend
        assert "NaN@" in legend  # the diverged run's first NaN is called out
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.options.smoothing == 0.7
        await pilot.press("0")
        assert screen.options.smoothing == 0.0
        await pilot.press("x", "l")
        assert screen.options.x_axis == "relative" and screen.options.log_y
        title = str(screen.query_one("#compare-title", Static).content)
        assert "x: relative" in title and "log y" in title
        await pilot.press("t")
        assert screen.tag != "train/loss"
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


@sync
async def test_detail_and_help_screens(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        text = screen_text(app)
        assert "hparam lr" in text and "train/loss" in text
        assert "weights/layer1" in text
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "compare" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]


@sync
async def test_metric_picker_changes_the_first_metric_column(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root, live=True, interval=30.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("m", *"accur", "enter")
        await wait_for(
            pilot, lambda: app.snapshot is not None and app.snapshot.metrics[0] == "val/accuracy"
        )
        await wait_for(pilot, lambda: "accuracy" in screen_text(app))
        assert app.primary_metric == "val/accuracy"


@sync
async def test_resizing_drops_columns_by_priority(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root, metrics=["train/loss", "val/accuracy"])
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        wide = [c.key for c in table(app).columns_shown]
        assert "m1:spark" in wide and "speed" in wide
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: [c.key for c in table(app).columns_shown] != wide)
        narrow = [c.key for c in table(app).columns_shown]
        assert {"flags", "name", "m0:last", "m0:spark"} <= set(narrow)
        assert "speed" not in narrow and "m1:spark" not in narrow
        assert sum(c.width + 2 for c in table(app).columns_shown) <= 80
        assert "baseline[bs=64]" in screen_text(app)


@sync
async def test_a_run_appearing_while_the_app_runs(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tensorboardX import SummaryWriter

    def write(name: str) -> None:
        w = SummaryWriter(str(tmp_path / name))
        for step in range(20):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.close()

    write("first")
    app = make_app(tmp_path, live=True, interval=0.1, clock=__import__("time").time)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: table(app).order == ["first"])
        await asyncio.to_thread(write, "second")
        await wait_for(pilot, lambda: table(app).order == ["first", "second"])
        assert "2/2 runs" in screen_text(app)
        await pilot.press("c")  # live ticks keep arriving under the comparison
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await asyncio.to_thread(write, "third")
        await wait_for(pilot, lambda: table(app).order == ["first", "second", "third"])
        legend = str(app.screen.query_one("#compare-legend", Static).content)
        assert "first" in legend and "second" in legend


@sync
async def test_damaged_file_is_shown_without_crashing(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "broken\x1b[31m"))
    for step in range(200):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.close()
    (path,) = (tmp_path / "broken\x1b[31m").glob("*tfevents*")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 40] = os.urandom(40)
    path.write_bytes(bytes(data))
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 1)
        text = screen_text(app)
        assert "broken\\x1b[31m" in text  # the escape is shown escaped, not sent
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        damage = str(app.screen.query_one("#detail-damage", Static).content)
        assert "damage report" in damage


@sync
async def test_command_palette_finds_a_run_by_name(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("slash", *"sweep", "enter")  # hides the baseline run
        await wait_for(pilot, lambda: len(table(app).order) == 5)
        await pilot.press("ctrl+p")
        await pilot.press(*"bs=64")
        await wait_for(pilot, lambda: "baseline[bs=64]" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).current_run == "baseline[bs=64]")
        assert len(table(app).order) == 6  # the filter hiding it was cleared


@sync
async def test_a_pass_landing_while_the_app_closes_is_dropped(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    # On close the screen's widgets go before the app's own unmount; a pass the ingest
    # thread posts in between used to raise NoMatches from the alerts panel query.
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.latest is not None)
        published = app.session.latest
        assert published is not None
        await app.screen.remove_children()
        app.post_message(TfwatchApp.SnapshotReady(published))
        await pilot.pause()
        assert app.is_running and app.return_code is None
