"""Sweeps written with tensorboardX, hparams included, for the report tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.report.curves import decay, rise

WriteRun = Callable[..., Path]


@pytest.fixture
def write_run(tmp_path: Path) -> WriteRun:
    """``write_run(name, {tag: [(step, value), ...]}, hparams={...}, seconds_per_step=1)``:
    a run directory under ``tmp_path`` written by tensorboardX, wall time = 1000 + step·s."""
    from tensorboardX import SummaryWriter
    from tensorboardX.proto.summary_pb2 import Summary
    from tensorboardX.summary import hparams as hparams_summary

    def write(
        name: str,
        scalars: Mapping[str, list[tuple[int, float]]],
        hparams: Mapping[str, float | str | bool] | None = None,
        seconds_per_step: float = 1.0,
    ) -> Path:
        run_dir = tmp_path / name
        w = SummaryWriter(str(run_dir))
        if hparams:
            for summary in hparams_summary(dict(hparams), {}):
                w.file_writer.add_summary(summary)
        for tag, points in scalars.items():
            for step, value in points:
                # add_scalar would rewrite unusual tags ("<", "|"); the file writer keeps
                # them as written, as other writers (TensorFlow's, PyTorch's) do.
                summary = Summary(value=[Summary.Value(tag=tag, simple_value=value)])
                w.file_writer.add_summary(summary, step, 1000.0 + step * seconds_per_step)
        w.close()
        return run_dir

    return write


@pytest.fixture
def sweep(write_run: WriteRun, tmp_path: Path) -> Path:
    """Four runs: a baseline, a faster and a slower one, and one that diverges to NaN."""
    write_run(
        "baseline",
        {"train/loss": decay(2.0, 0.5, 60, 300), "val/acc": rise(0.1, 0.80, 60, 300, 10)},
        {"lr": 0.01, "optimizer": "adam", "layers": 4},
    )
    write_run(
        "fast",
        {"train/loss": decay(2.0, 0.2, 25, 300), "val/acc": rise(0.1, 0.90, 25, 300, 10)},
        {"lr": 0.1, "optimizer": "adam", "layers": 4},
        seconds_per_step=3.0,
    )
    write_run(
        "slow",
        {"train/loss": decay(2.0, 0.9, 120, 300), "val/acc": rise(0.1, 0.70, 120, 300, 10)},
        {"lr": 0.001, "optimizer": "sgd", "layers": 4},
    )
    nan_tail = [(s, math.nan) for s in range(200, 300)]
    write_run(
        "diverged",
        {"train/loss": decay(2.0, 0.6, 40, 200) + nan_tail, "val/acc": rise(0.1, 0.5, 40, 300, 10)},
        {"lr": 1.0, "optimizer": "sgd", "layers": 4},
    )
    return tmp_path
