"""What the runs table's columns and header show, read off the screen at 80 and 120 columns."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.demo_runs import DEMO_STEPS, FIXED_NOW
from tfwatch.demo import write_fixed
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.loading import load_once
from tfwatch.model.root_status import RootStatus
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import metric_label
from tfwatch.ui.widgets.header import header_text

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


@sync
async def test_header_drops_whole_parts_to_fit_80_and_120_columns(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    root = tmp_path / "a_rather_long_experiment_directory" / "sweep"
    write_fixed(str(root), DEMO_STEPS)
    # (width, what the line ends with, words it must keep, words shortened away)
    expected = {
        120: (["2", "marked", "sort:", "value", "↑"], ["running", "idle", "alerts"], ["every"]),
        80: (["2", "marked", "sort:", "value", "↑"], ["6/6"], ["running", "every", "of"]),
    }
    for width, (ending, kept, dropped) in expected.items():
        app = make_app(root)
        async with app.run_test(size=(width, 20)) as pilot:
            await wait_for(pilot, lambda app=app: len(table(app).order) == 6)
            await pilot.press("space", "space", "s")  # two marks, sort by value
            await pilot.pause(0.1)
            line = screen_text(app).splitlines()[0]
            words = line.split()
            assert words[-len(ending) :] == ending, line
            assert all(w in words for w in kept), line
            assert not any(w in words for w in dropped), line
            assert "…" not in line.rstrip()[-3:]
            # Wide enough, the whole line: the sort's metric and the refresh interval.
            await pilot.resize_terminal(170, 20)
            await pilot.pause(0.2)
            line = screen_text(app).splitlines()[0]
            assert line.split()[-6:] == ["value", "↑", "of", "train/loss", "every", "1s"]


def test_header_text_fits_every_width_with_whole_parts(demo_root: Path) -> None:
    snapshot = SnapshotBuilder().build(load_once([str(demo_root)]).runs, FIXED_NOW)
    failing = RootStatus("s3", "s3://bucket/some/long/prefix/of/logs", state="failing")
    failing.last_error, failing.last_ok = "connection timed out after 30 s", time.time() - 60
    roots = [RootStatus("local", "/data/runs/sweep-2026"), failing]

    def line(width: int) -> str:
        return header_text(snapshot, roots, 6, "value ↑", 1.0, 2, width, "train/loss").plain

    full = line(0)
    assert "failing: connection timed out" in full and full.endswith("train/loss  every 1s")
    narrowest = len(line(1))
    for width in range(narrowest, len(full) + 1):
        shown = line(width)
        assert len(shown) <= width, (width, shown)
        assert "6/6 runs" in shown and "(failing" in shown  # never dropped
        # Every word is one of a whole form's words: nothing cut in the middle.
        assert set(shown.split()) <= set(full.split()) | set(line(1).split()) | {"(failing)"}
    assert line(len(full)) == full


def test_the_forecast_and_sparklines_give_way_to_names_that_need_room() -> None:
    from tfwatch.ui.columns import fit_columns

    def keys(need: int, width: int = 120) -> dict[str, int]:
        return {c.key: c.width for c in fit_columns(("train/loss",), width, need)}

    short = keys(15)
    assert "m0:spark" in short and "forecast" in short and short["name"] == 15
    long = keys(60)
    assert "m0:spark" not in long and "forecast" not in long
    assert {"step", "m0:last", "m0:trend"} <= set(long)
    assert long["name"] > short["name"]
    assert sum(w + 2 for w in long.values()) <= 120
    # Wide enough for everything: nothing gives way, the names take their whole need.
    wide = keys(60, 200)
    assert "m0:spark" in wide and "forecast" in wide and wide["name"] == 60


@sync
async def test_a_column_with_nothing_to_say_for_any_row_is_hidden(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    write_decay(tmp_path / "diverged", 2.0, 0.25, last=math.nan)
    write_decay(tmp_path / "also_diverged", 1.0, 0.5, last=math.nan)
    app = make_app(tmp_path, clock=lambda: 1_767_225_600.0 + 205)
    async with app.run_test(size=(170, 20)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 2)
        # No forecast of a recovery for either run: every cell would read n/a.
        assert all(r.forecast is not None for r in app.snapshot.runs.values())  # type: ignore[union-attr]
        header = screen_text(app).splitlines()[1].split()
        assert "forecast" not in header and "loss" in header and "history" in header
        assert "n/a" not in screen_text(app)
    write_decay(tmp_path / "plain", 2.0, 0.25)
    app = make_app(tmp_path, clock=lambda: 1_767_225_600.0 + 205)
    async with app.run_test(size=(170, 20)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        assert "forecast" in screen_text(app).splitlines()[1].split()  # one run has one
