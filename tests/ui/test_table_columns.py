"""What the runs table's columns and header show, read off the screen at 80 and 120 columns."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

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


def write_decay(directory: Path, scale: float, offset: float, last: float | None = None) -> None:
    """A tensorboardX run whose loss decays to ``offset`` (its last value ``last`` if given)."""
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    writer = SummaryWriter(str(directory))
    for step in range(200):
        value = offset + scale * (math.exp(-step / 40) + 0.002 * rng.normal())
        if last is not None and step == 199:
            value = last
        writer.add_scalar("train/loss", value, step, walltime=1_767_225_600.0 + step)
    writer.close()


NUMBER = r"-?\d+(\.\d+)?(e-?\d+)?"


@sync
async def test_forecast_cell_shows_whole_numbers_and_nothing_for_a_diverged_run(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    write_decay(tmp_path / "tiny", 1e-4, -1.5e-5)
    write_decay(tmp_path / "plain", 2.0, 0.25)
    write_decay(tmp_path / "diverged", 2.0, 0.25, last=math.nan)
    for width in (120, 170):
        app = make_app(tmp_path, clock=lambda: 1_767_225_600.0 + 205)
        async with app.run_test(size=(width, 20)) as pilot:
            await wait_for(pilot, lambda app=app: len(table(app).order) == 3)
            assert "forecast" in screen_text(app)
            tiny, plain = screen_row(app, "tiny")[-1], screen_row(app, "plain")[-1]
            for shown in (tiny, plain):
                assert re.fullmatch(f"{NUMBER}(±{NUMBER})?", shown), shown
            fc = app.snapshot.runs["tiny"].forecast  # type: ignore[union-attr]
            assert fc is not None and fc.known
            assert math.isclose(float(tiny.split("±")[0]), fc.value, rel_tol=0.05)
            assert "±" in plain
            # Same history but a NaN last value: no forecast of a recovery.
            assert screen_row(app, "diverged")[-1] == "n/a"
