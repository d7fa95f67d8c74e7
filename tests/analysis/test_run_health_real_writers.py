"""run_health over runs written by real writers and read by the real tailer."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from tfwatch.analysis import AlertTracker, HealthConfig, convergence, forecast, run_health
from tfwatch.analysis.direction import higher_is_better
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import Run, RunFactory


def write_tbx(
    run_dir: Path, n: int, seed: int, nan_at: int | None = None, frozen: bool = False
) -> None:
    """A tensorboardX run: train loss, eval loss/accuracy every 10 steps, a weight histogram."""
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(seed)
    w = SummaryWriter(str(run_dir))
    weights = rng.normal(0, 0.1, 500)
    for step in range(n):
        loss = 0.2 + 2.0 * math.exp(-step / 150) + rng.normal(0, 0.05)
        if nan_at is not None and step >= nan_at:
            loss = float("nan")
        w.add_scalar("train/loss", loss, step)
        if step % 10 == 0:
            w.add_scalar(
                "eval/loss", 0.25 + 2.0 * math.exp(-step / 150) + rng.normal(0, 0.01), step
            )
            w.add_scalar(
                "eval/accuracy", 0.9 - 0.8 * math.exp(-step / 150) + rng.normal(0, 0.005), step
            )
            if not frozen:
                weights = weights + rng.normal(0, 0.01, 500)
            w.add_histogram("layer/kernel", weights, step)
    w.close()


def write_tb_writer(run_dir: Path, n: int) -> None:
    """A run from TensorBoard's own ``tensorboard.summary.Writer``."""
    from tensorboard.summary import Writer

    w = Writer(str(run_dir))
    for step in range(n):
        w.add_scalar("val_loss", 1.0 / (1 + step / 20), step)
    w.close()


def load(root: Path) -> dict[str, Run]:
    tailer = Tailer([("logs", LocalSource(str(root)))], RunFactory(), workers=1)
    tailer.poll(final=True)
    return tailer.runs


def test_clean_runs_raise_nothing_and_faulty_ones_raise_the_right_kind(tmp_path: Path) -> None:
    write_tbx(tmp_path / "clean", 400, seed=1)
    write_tbx(tmp_path / "nan", 400, seed=2, nan_at=321)
    write_tbx(tmp_path / "frozen", 400, seed=3, frozen=True)
    write_tb_writer(tmp_path / "tbwriter", 200)
    runs = load(tmp_path)
    cfg = HealthConfig()
    by_run = {
        name: run_health(run, cfg, now=run.last_wall_time + 1, plugins=[])
        for name, run in runs.items()
    }
    assert by_run["clean"] == []
    assert by_run["tbwriter"] == []
    [nan] = by_run["nan"]
    assert (nan.kind, nan.tag, nan.step) == ("nan", "train/loss", 321)
    [frozen] = by_run["frozen"]
    assert (frozen.kind, frozen.tag, frozen.step) == ("frozen", "layer/kernel", 0)
    tracker = AlertTracker()
    fresh = tracker.update([a for alerts in by_run.values() for a in alerts])
    assert {a.run for a in fresh} == {"nan", "frozen"}


def test_convergence_and_forecast_on_a_real_run(tmp_path: Path) -> None:
    write_tbx(tmp_path / "clean", 1500, seed=4)
    run = load(tmp_path)["clean"]
    acc = run.scalars["eval/accuracy"]
    points = acc.recent()
    c = convergence(points, higher_is_better("eval/accuracy"))
    assert c.plateau > 0.3 and abs(c.trend) < 0.01  # flattened by step 1,500
    early = type(points)(points.steps[:20], points.values[:20], points.wall_times[:20])
    c_early = convergence(early, higher_is_better("eval/accuracy"))
    assert c_early.improving is True and c_early.slope > 0 and c_early.plateau < 0.01
    fc = forecast(acc.overview())
    assert fc is not None and fc.low <= 0.9 + 0.005 and fc.high >= 0.9 - 0.005


def test_the_analysis_package_does_not_import_textual() -> None:
    code = (
        "import sys, tfwatch.analysis, tfwatch.analysis.health, tfwatch.analysis.plugins;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
