"""Real small trainings on the CPU: a NumPy MLP trained by minibatch SGD on synthetic but
learnable data, logged with tensorboardX as a training script would.

Used by the health tests (a few hundred steps) and by ``bench/real_trainings.py`` (many
seeds, every fault). The faults come from real mechanisms, not drawn curves:

* ``lr_high``: a learning rate so large that the logits blow up to NaN;
* ``momentum``: heavy momentum with a large step, so the weights overshoot back and forth;
* ``frozen_layer``: the first layer left out of the optimizer (its weights never move);
* ``dead_units``: the hidden biases set to -50, so every ReLU is dead;
* ``overfit``: a tiny training set and a wide net, trained long (validation loss rises);
* ``lr_tiny``: a learning rate so small that nothing moves.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

FAULTS = ("lr_high", "momentum", "frozen_layer", "dead_units", "overfit", "lr_tiny")
SCHEDULES = ("constant", "warmup_cosine", "step", "exponential")


@dataclass(frozen=True)
class TrainingSpec:
    """One training: its data, net, optimizer, schedule, logging cadence and fault."""

    name: str
    seed: int = 0
    steps: int = 3000
    lr: float = 0.01
    momentum: float = 0.9
    schedule: str = "constant"
    hidden: int = 32
    batch: int = 64
    train_size: int = 4000
    fault: str | None = None
    log_every: int = 10
    eval_every: int = 100
    #: Log weight histograms (``layer1/weight``…) at each evaluation.
    histograms: bool = True


def spec_for(
    fault: str | None, seed: int, steps: int = 3000, schedule: str = "constant"
) -> TrainingSpec:
    """The settings that make ``fault`` happen (None: a sane training)."""
    name = f"{fault or 'clean'}-{schedule}-s{seed}"
    base = TrainingSpec(name=name, seed=seed, steps=steps, schedule=schedule)
    if fault is None:
        return base
    if fault == "lr_high":
        return _with(base, lr=30.0, momentum=0.9, fault=fault)
    if fault == "momentum":
        return _with(base, lr=0.1, momentum=0.99, fault=fault)
    if fault == "overfit":
        return _with(base, train_size=100, hidden=256, batch=50, lr=0.002, fault=fault)
    if fault == "lr_tiny":
        return _with(base, lr=1e-6, fault=fault)
    return _with(base, fault=fault)


def _with(spec: TrainingSpec, **changes: object) -> TrainingSpec:
    from dataclasses import replace

    return replace(spec, **changes)  # type: ignore[arg-type]


def lr_factor(schedule: str, step: int, total: int) -> float:
    """Learning rate relative to its peak at ``step``."""
    u = step / max(total, 1)
    if schedule == "warmup_cosine":
        warm = 0.05
        return u / warm if u < warm else 0.5 * (1 + math.cos(math.pi * (u - warm) / (1 - warm)))
    if schedule == "step":
        return 1.0 if u < 0.5 else 0.1 if u < 0.8 else 0.01
    if schedule == "exponential":
        return math.exp(-3.0 * u)
    return 1.0


def make_data(
    rng: np.random.Generator, n: int, teacher: tuple[F64, F64]
) -> tuple[F64, npt.NDArray[np.int64]]:
    """Inputs and labels from a fixed random teacher net (learnable, not separable)."""
    w, v = teacher
    x = rng.normal(size=(n, w.shape[0]))
    logits = np.tanh(x @ w) @ v * 2.0 + rng.normal(0, 0.8, size=(n, v.shape[1]))
    return x, np.argmax(logits, axis=1).astype(np.int64)


def train(spec: TrainingSpec, logdir: Path) -> Path:
    """Run the training, writing its event file under ``logdir / spec.name``; return the
    run directory."""
    from tensorboardX import SummaryWriter

    run_dir = logdir / spec.name
    writer = SummaryWriter(str(run_dir), flush_secs=3600)
    # tensorboardX warns on every non-finite value it is given: keep it quiet.
    quiet = logging.getLogger("tensorboardX.x2num")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        _train(spec, writer)
    finally:
        quiet.setLevel(level)
        writer.close()
    return run_dir


def _train(spec: TrainingSpec, writer: Any) -> None:
    """The training loop of :func:`train`, writing to ``writer``."""
    rng = np.random.default_rng(spec.seed)
    d, k = 12, 4
    teacher = (rng.normal(size=(d, 16)), rng.normal(size=(16, k)))
    x_train, y_train = make_data(rng, spec.train_size, teacher)
    x_val, y_val = make_data(rng, 1000, teacher)
    params = {
        "layer1/weight": rng.normal(0, math.sqrt(2.0 / d), size=(d, spec.hidden)),
        "layer1/bias": np.full(spec.hidden, -50.0 if spec.fault == "dead_units" else 0.0),
        "layer2/weight": rng.normal(0, math.sqrt(1.0 / spec.hidden), size=(spec.hidden, k)),
        "layer2/bias": np.zeros(k),
    }
    trained = [p for p in params if not (spec.fault == "frozen_layer" and p.startswith("layer1"))]
    velocity = {p: np.zeros_like(params[p]) for p in trained}
    with np.errstate(all="ignore"):
        for step in range(1, spec.steps + 1):
            idx = rng.integers(0, spec.train_size, spec.batch)
            loss, grads = _loss_and_grads(params, x_train[idx], y_train[idx])
            lr = spec.lr * lr_factor(spec.schedule, step, spec.steps)
            for p in trained:
                velocity[p] = spec.momentum * velocity[p] - lr * grads[p]
                params[p] = params[p] + velocity[p]
            if step % spec.log_every == 0:
                grad_norm = math.sqrt(sum(float(np.sum(grads[p] ** 2)) for p in grads))
                writer.add_scalar("train/loss", loss, step)
                writer.add_scalar("train/grad_norm", grad_norm, step)
                writer.add_scalar("train/lr", lr, step)
            if step % spec.eval_every == 0:
                val_loss, _ = _loss_and_grads(params, x_val, y_val, grads_too=False)
                writer.add_scalar("val/loss", val_loss, step)
                writer.add_scalar("val/accuracy", _accuracy(params, x_val, y_val), step)
                if spec.histograms:
                    for p in ("layer1/weight", "layer2/weight"):
                        # tensorboardX's buckets end near 1e20: a blown-up layer
                        # cannot be binned (real scripts crash there; this one skips).
                        if np.all(np.abs(params[p]) < 1e12):
                            writer.add_histogram(p, params[p], step)


def _forward(params: dict[str, F64], x: F64) -> tuple[F64, F64]:
    pre = x @ params["layer1/weight"] + params["layer1/bias"]
    h = np.maximum(pre, 0.0)
    return h, h @ params["layer2/weight"] + params["layer2/bias"]


def _loss_and_grads(
    params: dict[str, F64], x: F64, y: npt.NDArray[np.int64], grads_too: bool = True
) -> tuple[float, dict[str, F64]]:
    """Softmax cross-entropy and its gradients (backpropagation by hand)."""
    h, logits = _forward(params, x)
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    n = x.shape[0]
    loss = float(-np.mean(logp[np.arange(n), y]))
    if not math.isfinite(loss):
        loss = math.nan
    if not grads_too:
        return loss, {}
    dlogits = np.exp(logp)
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dh = dlogits @ params["layer2/weight"].T
    dpre = dh * (h > 0)
    return loss, {
        "layer1/weight": x.T @ dpre,
        "layer1/bias": dpre.sum(axis=0),
        "layer2/weight": h.T @ dlogits,
        "layer2/bias": dlogits.sum(axis=0),
    }


def _accuracy(params: dict[str, F64], x: F64, y: npt.NDArray[np.int64]) -> float:
    _, logits = _forward(params, x)
    return float(np.mean(np.argmax(logits, axis=1) == y))
