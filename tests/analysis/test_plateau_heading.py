"""Stalled or converged after a learning-rate drop, on drawn curves shaped as the bench's:
progress follows the integrated learning rate and part of the loss rises and falls with
the learning rate itself, so a step decay makes the loss drop at once and then go flat.
That run got where it was heading (``converged``); a run that froze in the middle of a
steady descent did not (``plateau``), even when its best evaluation came long after."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_builders import T0, run_with, series

from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.plateau import detect_plateau


def step_decay_loss(n: int, k: float, beta: float) -> np.ndarray:
    """Noise-free loss in [0, 1] under a step decay at half and three quarters of the run."""
    u = np.linspace(0, 1, n)
    lr = np.where(u < 0.5, 1.0, np.where(u < 0.75, 0.1, 0.01))
    progress = 1 - np.exp(-k * 1.6 * np.cumsum(lr) / n)
    return (1 - beta) * (1 - progress) + beta * lr * (1 - progress) ** 0.3 * 0.6


def kinds_as_it_grows(tag: str, steps: np.ndarray, values: np.ndarray, first: int) -> set[str]:
    """Every alert kind the plateau detector raises on some prefix of the series."""
    cfg = HealthConfig()
    seen: set[str] = set()
    for upto in range(first, steps.shape[0] + 1):
        run = run_with("r", series(tag, steps[:upto], values[:upto]))
        seen |= {a.kind for a in detect_plateau(run, cfg, now=T0)}
    return seen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_validation_loss_flat_after_a_step_decay_converged(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 100
    truth = 0.4 + 3.3 * step_decay_loss(n, k=5.0, beta=0.3)
    values = truth + rng.normal(0, 0.033, n)
    steps = np.arange(1, n + 1) * 1000
    seen = kinds_as_it_grows("val/loss", steps, values, 20)
    assert "plateau" not in seen, seen
    assert "converged" in seen


@pytest.mark.parametrize("seed", [0, 1])
def test_training_loss_flat_after_a_step_decay_converged(seed: int) -> None:
    # Logged every 10 steps for 40,000 steps: the store keeps the last points at full
    # resolution, so late in the run the learning-rate drop sits just before the flat part.
    rng = np.random.default_rng(seed)
    n = 4000
    truth = 0.1 + 1.0 * step_decay_loss(n, k=6.0, beta=0.2)
    values = truth + rng.normal(0, 0.03, n)
    steps = np.arange(1, n + 1) * 10
    cfg = HealthConfig()
    for upto in range(2000, n + 1, 50):
        run = run_with("r", series("train/loss", steps[:upto], values[:upto]))
        kinds = {a.kind for a in detect_plateau(run, cfg, now=T0)}
        assert "plateau" not in kinds, upto


@pytest.mark.parametrize("seed", [0, 2, 4, 6])
def test_validation_loss_frozen_mid_descent_is_stalled(seed: int) -> None:
    # A steady exponential descent that stops dead 40 % into the run, a fifth of its drop
    # still ahead: a warning, not good news. Its best evaluation is a lucky one long after
    # it froze; judged from there the points before it are flat too and it read as
    # converged: where it was heading is read from where it arrived at its flat level.
    rng = np.random.default_rng(seed)
    n = 100
    u = np.linspace(0, 1, n)
    truth = 0.3 + 3.0 * np.exp(-3.0 * u)
    truth[40:] = truth[40]
    values = truth + rng.normal(0, 0.03, n)
    steps = np.arange(1, n + 1) * 500
    run = run_with("r", series("val/loss", steps, values))
    alerts = detect_plateau(run, HealthConfig(), now=T0)
    assert [a.kind for a in alerts] == ["plateau"]
    assert "stalled after improving" in alerts[0].message
