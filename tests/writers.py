"""Helpers for tests that write real event files."""

from __future__ import annotations

import glob
import math
import os
import struct
from pathlib import Path
from typing import Any


def only_event_file(directory: Path) -> Path:
    """The single event file a writer left in ``directory``."""
    files = sorted(glob.glob(os.path.join(directory, "*tfevents*")))
    assert len(files) == 1, files
    return Path(files[0])


def record_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each record of an undamaged event file (an independent reader)."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append((pos, pos + 12 + n + 4))
        pos += 12 + n + 4
    return out


#: A sweep whose hparams are written by the real ``add_hparams`` of both writers:
#: (writer, run, lr, optimizer, final accuracy, session name given or None for
#: ``str(time.time())``).
HPARAMS_SWEEP = [
    ("tensorboardX", "tbx/a", 1e-2, "sgd", 0.71, None),
    ("tensorboardX", "tbx/b", 1e-4, "adam", 0.82, None),
    ("tensorboardX", "tbx/c", 3e-4, "adam", 0.85, "final"),
    ("torch", "torch/d", 1e-2, "adam", 0.60, None),
    ("torch", "torch/e", 5e-4, "sgd", 0.77, None),
    ("torch", "torch/f", 2e-3, "adam", 0.79, "hp"),
]


def torch_summary_writer() -> Any:
    """PyTorch's ``SummaryWriter`` class, or None where PyTorch is not installed (CI
    installs tensorboardX only: PyTorch is used when a developer has it)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter


def any_summary_writer() -> Any:
    """PyTorch's ``SummaryWriter`` when installed, else tensorboardX's (the same API for
    scalars and ``add_hparams`` with its default session name)."""
    import tensorboardX

    return torch_summary_writer() or tensorboardX.SummaryWriter


def write_hparams_sweep(root: Path, steps: int = 20) -> None:
    """Write :data:`HPARAMS_SWEEP` under ``root``: a ``train/loss`` curve per run, then
    ``add_hparams`` as a training script calls it at the end."""
    import tensorboardX

    torch_writer = torch_summary_writer()
    for kind, name, lr, opt, accuracy, session in HPARAMS_SWEEP:
        if kind == "torch" and torch_writer is None:
            kind = "tensorboardX"  # PyTorch not installed: its rows by tensorboardX
        writer: Any = (tensorboardX.SummaryWriter if kind == "tensorboardX" else torch_writer)(
            str(root / name)
        )
        for step in range(steps):
            writer.add_scalar("train/loss", 2.0 / (1.0 + step * lr * 100), step)
        hparams, metrics = {"lr": lr, "opt": opt}, {"hparam/accuracy": accuracy}
        if kind == "tensorboardX":
            writer.add_hparams(hparams, metrics, name=session)
        else:
            writer.add_hparams(hparams, metrics, run_name=session)
        writer.close()


#: A seeded sweep: (writer, run, lr, opt, seed, steps, nan_at_end). Two configurations
#: each span both writers; seeds are named ``seed`` (tensorboardX) and ``Trial``
#: (TensorBoard's hparams API) and runs stop at different steps.
SEED_SWEEP = [
    ("tensorboardX", "tbx/r0", 1e-2, "adam", 0, 30, False),
    ("tensorboardX", "tbx/r1", 1e-2, "adam", 1, 20, False),
    ("tensorboard", "tb/t0", 1e-2, "adam", 2, 10, False),
    ("tensorboardX", "tbx/r2", 1e-3, "sgd", 0, 30, False),
    ("tensorboard", "tb/t1", 1e-3, "sgd", 1, 30, False),
    ("tensorboard", "tb/t2", 1e-3, "sgd", 2, 30, True),
]
#: Runs whose hparams are only in their directory names (``lr=0.1_bs=32/seed=N``).
DIR_SWEEP = [f"dirs/lr=0.1_bs=32/seed={s}" for s in range(3)]


def seed_sweep_loss(lr: float, seed: int, step: int) -> float:
    """The ``train/loss`` value :func:`write_seed_sweep` writes."""
    return 2.0 / (1.0 + step * lr * 100) + seed * 0.01


def write_seed_sweep(root: Path) -> None:
    """Write :data:`SEED_SWEEP` with tensorboardX's ``add_hparams`` and TensorBoard's own
    hparams API and writer, and :data:`DIR_SWEEP` with hparams in directory names."""
    import tensorboardX
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.hparams import summary_v2 as hp
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    def loss(lr: float, seed: int, step: int, steps: int, nan: bool) -> float:
        return math.nan if nan and step == steps - 1 else seed_sweep_loss(lr, seed, step)

    for kind, name, lr, opt, seed, steps, nan in SEED_SWEEP:
        if kind == "tensorboardX":
            writer = tensorboardX.SummaryWriter(str(root / name))
            for step in range(steps):
                writer.add_scalar("train/loss", loss(lr, seed, step, steps, nan), step)
            writer.add_hparams({"lr": lr, "opt": opt, "seed": seed}, {"hparam/acc": 0.5})
            writer.close()
            continue
        events = EventFileWriter(str(root / name))
        trial = hp.hparams_pb({"lr": lr, "opt": opt, "Trial": seed}, trial_id=name)
        events.add_event(Event(wall_time=1.0, step=0, summary=trial))
        for step in range(steps):
            value = Summary.Value(tag="train/loss", simple_value=loss(lr, seed, step, steps, nan))
            events.add_event(Event(wall_time=2.0 + step, step=step, summary=Summary(value=[value])))
        events.close()
    for i, name in enumerate(DIR_SWEEP):
        writer = tensorboardX.SummaryWriter(str(root / name))
        for step in range(20 - 5 * i):
            writer.add_scalar("train/loss", seed_sweep_loss(0.1, i, step), step)
        writer.close()
