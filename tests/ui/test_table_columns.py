"""What the runs table's columns and header show, read off the screen at 80 and 120 columns."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import metric_label

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


def test_metric_headers_are_the_shortest_unique_suffix() -> None:
    tags = ["train/accuracy", "val/accuracy", "train/loss", "loss_scale", "a/x/y/loss"]
    assert metric_label("train/accuracy", tags) == "train/accuracy"
    assert metric_label("val/accuracy", tags) == "val/accuracy"
    assert metric_label("loss_scale", tags) == "loss_scale"
    assert metric_label("train/loss", ["train/loss", "val/accuracy"]) == "loss"
    assert metric_label("train/loss", tags) == "train/loss"  # a/x/y/loss ends alike
    assert metric_label("a/x/y/loss", tags) == "y/loss"
    assert metric_label("loss", ["train/loss"]) == "loss"  # nothing shorter exists


def write_train_and_val(root: Path) -> None:
    """Two tensorboardX runs logging accuracy for training and validation, and a loss."""
    from tensorboardX import SummaryWriter

    for name in ("alpha", "beta"):
        writer = SummaryWriter(str(root / name))
        for step in range(30):
            writer.add_scalar("train/accuracy", 0.5 + step / 100, step, walltime=1e9 + step)
            writer.add_scalar("val/accuracy", 0.4 + step / 100, step, walltime=1e9 + step)
            writer.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=1e9 + step)
        writer.close()


@sync
async def test_metric_headers_tell_train_and_val_apart(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    write_train_and_val(tmp_path)
    for width, metrics in ((120, ["train/accuracy", "val/accuracy"]), (80, ["val/accuracy"])):
        app = make_app(tmp_path, metrics=metrics, clock=lambda: 1e9 + 35)
        async with app.run_test(size=(width, 20)) as pilot:
            await wait_for(pilot, lambda app=app: len(table(app).order) == 2)
            header = screen_text(app).splitlines()[1].split()
            for tag in metrics:
                assert tag in header
            row = screen_row(app, "alpha")
            assert f"{0.5 + 29 / 100:.4f}" in row or width == 80
            assert f"{0.4 + 29 / 100:.4f}" in row
    app = make_app(tmp_path, metrics=["train/loss"], clock=lambda: 1e9 + 35)
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 2)
        assert "loss" in screen_text(app).splitlines()[1].split()  # unique: stays short
