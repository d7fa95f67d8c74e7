"""The name column read off the screen at 60 to 200 columns: every row told apart, the
shared prefix shown once, columns with nothing to say left out, and the tree by directory."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from tfwatch.text.safe_text import printable
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import CELL_PADDING

from .test_app import sync, table, wait_for

START = 1_767_225_600.0
#: Long after the last write: every run has stopped, so no row has a speed to show.
LATER = START + 3_600.0
DEEP = "imagenet-resnet50-long-schedule/optimizer=adamw,lr=0.001,warmup=500"
RUNS = [
    "corrupt/crc_payload",
    "corrupt/truncated_payload",
    f"{DEEP}/seed=1",
    f"{DEEP}/seed=2",
    "imagenet-resnet50-long-schedule/optimizer=adamw,lr=0.003,warmup=500/seed=1",
    "imagenet-resnet101-long-schedule/optimizer=adamw,lr=0.001,warmup=500/seed=1",
    "baseline",
    "实验/学习率=0.1,批量=32",  # two cells a character
    "evil\x1b[31m",  # an escape sequence in a directory's name
]


@pytest.fixture(scope="module")
def nested_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNS written by tensorboardX, each a decaying loss over 50 steps."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("nested")
    for i, run in enumerate(RUNS):
        writer = SummaryWriter(str(root / run))
        for step in range(50):
            loss = 0.1 * (i + 1) + math.exp(-step / 10)
            writer.add_scalar("train/loss", loss, step, walltime=START + step)
        writer.close()
    return root


def screen_lines(app: TfwatchApp) -> list[str]:
    """The terminal's lines, each character in its cell (spaces kept)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def name_cells(app: TfwatchApp) -> list[str]:
    """The text of the name column on each table row shown, top to bottom."""
    columns = table(app).columns_shown
    keys = [c.key for c in columns]
    start = sum(c.width + CELL_PADDING for c in columns[: keys.index("name")]) + 1
    width = columns[keys.index("name")].width
    lines = screen_lines(app)[2 : 2 + table(app).row_count]
    return [line[start : start + width].rstrip() for line in lines]


@pytest.mark.parametrize("width", [60, 80, 120, 200])
@sync
async def test_every_row_shows_a_different_name(
    width: int, nested_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(nested_root, clock=lambda: LATER)
    async with app.run_test(size=(width, 20)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == len(RUNS))
        shown = name_cells(app)
        assert len(shown) == len(RUNS) and len(set(shown)) == len(RUNS), shown
        assert all(cell and "  " not in cell.strip() for cell in shown), shown
        header = screen_lines(app)[1]
        # Every run has stopped: nothing to say under steps/s, so no such column.
        assert "steps/s" not in header and "speed" not in [c.key for c in table(app).columns_shown]
        assert sum(c.width + CELL_PADDING for c in table(app).columns_shown) <= width
        if width == 200:  # room for every name whole, and for the sparkline and forecast
            assert sorted(shown) == sorted(printable(run) for run in RUNS)
            assert "history" in header and "forecast" in header
        else:  # the long names took their room: they are the first to give way
            assert "history" not in header and "forecast" not in header
            assert "loss" in header and "step" in header
        by_run = dict(zip(table(app).order, shown, strict=True))
        assert by_run["corrupt/crc_payload"] != by_run["corrupt/truncated_payload"]


@sync
async def test_the_shared_prefix_shows_once_in_the_header(
    nested_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(nested_root, clock=lambda: LATER)
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == len(RUNS))
        await pilot.press("slash", *"corrupt/", "enter")
        await wait_for(pilot, lambda: len(table(app).order) == 2)
        await pilot.pause(0.2)
        assert sorted(name_cells(app)) == ["crc_payload", "truncated_payload"]
        header = screen_lines(app)[1].split()
        assert "corrupt/" in header and "run" not in header


@sync
async def test_tree_by_directory_toggles(
    nested_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(nested_root, clock=lambda: LATER)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == len(RUNS))
        flat = name_cells(app)
        await pilot.press("t")
        await wait_for(pilot, lambda: table(app).row_count > len(RUNS))
        await pilot.pause(0.2)
        tree = name_cells(app)
        # Each directory once, its runs indented under it, the tree's order kept.
        assert tree.count("corrupt/") == 1
        at = tree.index("corrupt/")
        assert sorted(tree[at + 1 : at + 3]) == ["  crc_payload", "  truncated_payload"]
        assert "baseline" in tree and "evil\\x1b[31m" in tree
        # The two seeds of one configuration, two levels down; a directory holding one
        # entry shares its line (``optimizer=…/seed=1``).
        assert [line for line in tree if line.strip().startswith("seed=")] == [
            "    seed=1",
            "    seed=2",
        ]
        assert len(table(app).order) == len(RUNS)  # directories are not runs
        # A directory row has no run: Enter there opens nothing, marks nothing.
        table(app).move_cursor(row=at)
        await pilot.pause(0.1)
        assert table(app).current_run is None
        await pilot.press("space")
        assert not app.marked
        await pilot.press("t")
        await wait_for(pilot, lambda: table(app).row_count == len(RUNS))
        await pilot.pause(0.2)
        assert name_cells(app) == flat
