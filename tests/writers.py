"""Helpers for tests that write real event files."""

from __future__ import annotations

import glob
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
