"""``tfwatch demo``: simulated trainers writing real event files, then the app on them.

Each trainer is a separate process writing through TensorBoard's own event file writer,
so the app reads exactly what a real job would leave: a learning-rate sweep in which one
run converges fast, one plateaus, one diverges to NaN, one stops writing and one keeps
improving slowly. Every run logs a loss, an accuracy, the learning rate, a gradient norm,
a weight histogram and its hparams.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Wall time of step 0 in ``--write-only`` data: fixed, so screenshots do not change.
FIXED_START = 1_767_225_600.0  # 2026-01-01 00:00 UTC
#: Seconds between steps in written data (the simulated training speed).
STEP_SECONDS = 0.5


@dataclass(frozen=True)
class Trainer:
    """One simulated training job."""

    name: str
    lr: float
    behaviour: str  # fast / slow / plateau / diverge / stall
    batch_size: int = 128
    optimizer: str = "adam"


TRAINERS: tuple[Trainer, ...] = (
    Trainer("sweep/lr=0.3", 0.3, "diverge"),
    Trainer("sweep/lr=0.1", 0.1, "fast"),
    Trainer("sweep/lr=0.03", 0.03, "slow", optimizer="sgd"),
    Trainer("sweep/lr=0.01", 0.01, "plateau", batch_size=256),
    Trainer("sweep/lr=0.003", 0.003, "stall", batch_size=256, optimizer="sgd"),
    Trainer("baseline[bs=64]", 0.05, "slow", batch_size=64),
)


def loss_at(trainer: Trainer, step: int, rng: np.random.Generator) -> float:
    """The simulated training loss of ``trainer`` at ``step``."""
    noise = float(rng.normal(0.0, 0.03))
    b = trainer.behaviour
    if b == "fast":
        return 0.12 + 2.2 * math.exp(-step / 120) + noise * 0.5
    if b == "plateau":
        return 1.05 + 1.3 * math.exp(-step / 60) + noise
    if b == "diverge":
        if step > 420:
            return math.nan
        base = 0.6 + 1.8 * math.exp(-step / 80)
        return base + (math.exp((step - 250) / 40) if step > 250 else 0.0) + noise
    if b == "stall":
        return 0.4 + 1.9 * math.exp(-step / 300) + noise
    return 0.25 + 2.0 * math.exp(-step / 400) + noise  # slow


def stall_step(trainer: Trainer, steps: int) -> int:
    """The step after which a stalling trainer stops writing (no stall: ``steps``)."""
    # Early enough that a newcomer sees the run go idle within a minute of the demo.
    return max(1, min(int(steps * 0.4), 300)) if trainer.behaviour == "stall" else steps


def write_run(
    trainer: Trainer,
    root: str,
    steps: int,
    step_delay: float,
    start_time: float | None,
    seed: int,
) -> None:
    """Write ``trainer``'s events into ``root``/name; sleep ``step_delay`` between steps.

    ``start_time`` fixes the wall times (``None``: real time). A stalling trainer stops
    writing and, when live, keeps its file open, as a hung job would.
    """
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.plugins.hparams import summary_v2 as hp
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    logdir = os.path.join(root, trainer.name)
    writer = EventFileWriter(logdir, max_queue_size=64, flush_secs=1)
    rng = np.random.default_rng(seed)

    def wall(step: int) -> float:
        return time.time() if start_time is None else start_time + step * STEP_SECONDS

    def emit(summary: summary_pb2.Summary, step: int) -> None:
        writer.add_event(event_pb2.Event(wall_time=wall(step), step=step, summary=summary))

    hparams = {"lr": trainer.lr, "batch_size": trainer.batch_size, "optimizer": trainer.optimizer}
    emit(hp.hparams_pb(hparams, trial_id=trainer.name, start_time_secs=int(wall(0))), 0)
    last = stall_step(trainer, steps)
    acc = 0.1
    for step in range(last):
        loss = loss_at(trainer, step, rng)
        lr = trainer.lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        grad = abs(float(rng.normal(1.0, 0.2))) * (1.0 + (0.0 if math.isfinite(loss) else 1e3))
        values = [("train/loss", loss), ("train/lr", lr), ("train/grad_norm", grad)]
        if step % 10 == 0:
            target = 0.1 if not math.isfinite(loss) else max(0.0, 0.98 - loss * 0.35)
            acc += (target - acc) * 0.3
            values.append(("val/accuracy", acc + float(rng.normal(0, 0.005))))
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in values]
        )
        emit(summary, step)
        if step % 50 == 0:
            emit(_histogram("weights/layer1", rng.normal(0, 1 / (1 + step / 500), 512)), step)
        if step_delay:
            time.sleep(step_delay)
    writer.flush()
    if trainer.behaviour == "stall" and step_delay:
        while True:  # hung: alive, file open, nothing written
            time.sleep(3600)
    writer.close()


def _histogram(tag: str, data: np.ndarray) -> object:
    from tensorboard.compat.proto import summary_pb2

    counts, edges = np.histogram(data, bins=30)
    histo = summary_pb2.HistogramProto(
        min=float(data.min()),
        max=float(data.max()),
        num=float(data.size),
        sum=float(data.sum()),
        sum_squares=float((data * data).sum()),
        bucket_limit=[float(e) for e in edges[1:]],
        bucket=[float(c) for c in counts],
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histo)])


def write_fixed(root: str, steps: int = 600) -> list[str]:
    """Write the demo runs into ``root`` at once, with fixed wall times and file names.

    Returns the run names. Used for screenshots and tests; the output is the same on
    every call (same seeds, same times, files renamed to a fixed name).
    """
    for i, trainer in enumerate(TRAINERS):
        write_run(trainer, root, steps, 0.0, FIXED_START, seed=i)
        run_dir = Path(root, trainer.name)
        for n, path in enumerate(sorted(run_dir.glob("*tfevents*"))):
            path.rename(
                run_dir / f"events.out.tfevents.{int(FIXED_START)}.demo-host.{1000 + i}.{n}"
            )
    return [t.name for t in TRAINERS]


def fixed_end_time(steps: int) -> float:
    """Wall time of the last step written by :func:`write_fixed` with ``steps``."""
    return FIXED_START + (steps - 1) * STEP_SECONDS


class LiveDemo:
    """Trainer processes writing into a temporary directory; removes it on :meth:`stop`."""

    def __init__(self, steps: int = 4000, step_delay: float = 0.05) -> None:
        self.root = tempfile.mkdtemp(prefix="tfwatch-demo-")
        self._procs: list[mp.process.BaseProcess] = []
        ctx = mp.get_context("spawn")  # no threads or locks inherited from the parent
        for i, trainer in enumerate(TRAINERS):
            proc = ctx.Process(
                target=write_run,
                args=(trainer, self.root, steps, step_delay, None, i),
                name=f"tfwatch-demo-{trainer.name}",
                daemon=True,
            )
            self._procs.append(proc)

    def start(self, stagger: float = 0.3) -> None:
        """Start the trainers, a little apart so runs appear one by one."""
        for proc in self._procs:
            proc.start()
            time.sleep(stagger)

    def stop(self) -> None:
        """Stop every trainer and delete the temporary directory."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            if proc.pid is not None:
                proc.join(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LiveDemo:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_demo(write_only: str | None, steps: int, fast: bool, app_args: argparse.Namespace) -> int:
    """The ``demo`` subcommand: write fixed data (``write_only``) or run the live demo."""
    if write_only:
        os.makedirs(write_only, exist_ok=True)
        if fast:
            names = write_fixed(write_only, steps)
        else:
            with_delay = [
                mp.get_context("spawn").Process(
                    target=write_run, args=(t, write_only, steps, 0.05, None, i), daemon=True
                )
                for i, t in enumerate(TRAINERS)
            ]
            for p in with_delay:
                p.start()
            for p in with_delay:
                p.join()
            names = [t.name for t in TRAINERS]
        print(f"wrote {len(names)} runs to {write_only}")
        return 0
    from tfwatch.ui.launch import create_app

    with LiveDemo(steps=steps, step_delay=0.005 if fast else 0.05) as demo:
        create_app([demo.root], app_args).run()
    return 0
