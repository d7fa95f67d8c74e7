"""``tfwatch EMPTYDIR`` waits for runs with a notice; a missing root among several is a
header warning, watched until it appears (as TensorBoard waits on its log directory)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tfwatch.cli.parser import parse_args
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.launch import create_app
from tfwatch.ui.widgets.header import short_root

from ..test_app import screen_text, sync, table, wait_for


def live_app(*roots: Path) -> TfwatchApp:
    """The app as the command line builds it, polling every 0.1 s, no system monitor."""
    args = parse_args([*map(str, roots), "--interval", "0.1"])
    return create_app(args.roots, args, system=False)


def write_run(directory: Path, steps: int = 5) -> None:
    """A real run: tensorboardX event file with a few loss points."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(directory)) as writer:
        for step in range(steps):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)


@sync
async def test_empty_root_shows_a_notice_until_the_first_run_is_written(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    app = live_app(root)
    notice = f"no runs yet under {short_root(str(root))} — waiting for event files"
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.pause(0.1)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        at = next(i for i, line in enumerate(lines) if notice in line)
        assert 12 <= at <= 16  # centred in the rows under the table's header (2…28)
        left = lines[at].index(notice)
        right = len(lines[at]) - left - len(notice)
        assert abs(left - right) <= 2

        await asyncio.to_thread(write_run, root / "first_run")
        await wait_for(pilot, lambda: table(app).order == ["first_run"])
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "no runs yet" not in text
        row = next(line for line in text.splitlines() if "first_run" in line)
        assert " 4 " in row  # the run's last step, in its row


@sync
async def test_a_missing_root_among_several_is_a_warning_and_is_watched(tmp_path: Path) -> None:
    present, missing = tmp_path / "present", tmp_path / "later"
    write_run(present / "run_a")
    app = live_app(present, missing)
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None and bool(table(app).order))
        await pilot.pause(0.1)
        header = screen_text(app).splitlines()[0]
        assert f"{short_root(str(missing))} (not found)" in header
        assert f"{short_root(str(present))} (" not in header  # the present root is fine
        assert table(app).order == ["present/run_a"]

        await asyncio.to_thread(write_run, missing / "run_b")
        await wait_for(pilot, lambda: "later/run_b" in table(app).order)
        await pilot.pause(0.2)
        assert "not found" not in screen_text(app).splitlines()[0]
