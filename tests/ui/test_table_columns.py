"""What the runs table's columns and header show, read off the screen at 80 and 120 columns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tfwatch.ui.app import TfwatchApp

from .test_app import screen_text, sync, table, wait_for


def screen_row(app: TfwatchApp, run: str) -> list[str]:
    """The words of the screen line showing ``run``."""
    line = next(line for line in screen_text(app).splitlines() if f" {run} " in line)
    return line.split()


@sync
async def test_a_run_that_stopped_shows_no_speed(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        assert "steps/s" in screen_text(app)
        # The run that stopped writing three minutes ago: its step, then no speed.
        assert screen_row(app, "sweep/lr=0.003")[2:5] == ["239", "-", "3m"]
        assert screen_row(app, "sweep/lr=0.1")[2:5] == ["599", "2", "5s"]
