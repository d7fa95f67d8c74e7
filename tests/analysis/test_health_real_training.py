"""Health alerts on real trainings: a NumPy MLP trained by SGD, logged with tensorboardX,
read back through tfwatch's loader. Each fault comes from a real mechanism and must be
diagnosed with its own kind, and nothing else of the serious kinds."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from analysis_builders import T0, run_with, series

from tests.numpy_training import spec_for, train
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.plateau import detect_plateau
from tfwatch.analysis.health import run_health
from tfwatch.loading import load_once

SERIOUS = {"nan", "diverging", "frozen", "exploding_grad"}


def kinds_of(root: Path, fault: str | None, seed: int = 0, steps: int = 600) -> set[str]:
    spec = spec_for(fault, seed, steps=steps)
    train(spec, root)
    run = load_once([str(root)]).runs[spec.name]
    return {a.kind for a in run_health(run, None, time.time(), plugins=[])}


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_training_raises_nothing_serious(tmp_path: Path, seed: int) -> None:
    kinds = kinds_of(tmp_path, None, seed)
    assert not kinds & SERIOUS, kinds
    assert "plateau" not in kinds


def test_learning_rate_too_high_is_nan(tmp_path: Path) -> None:
    kinds = kinds_of(tmp_path, "lr_high")
    assert "nan" in kinds
    assert not kinds & {"diverging", "plateau", "converged", "frozen"}, kinds


def test_dead_relus_are_frozen_only(tmp_path: Path) -> None:
    # Every ReLU dead (bias -50): no weight moves; accuracy at chance wobbles between the
    # class shares, which is not divergence.
    assert kinds_of(tmp_path, "dead_units") == {"frozen"}


def test_layer_left_out_of_the_optimizer_is_frozen(tmp_path: Path) -> None:
    kinds = kinds_of(tmp_path, "frozen_layer")
    assert "frozen" in kinds and not kinds & {"nan", "diverging"}, kinds


def test_learning_rate_so_small_nothing_moves_is_a_plateau(tmp_path: Path) -> None:
    kinds = kinds_of(tmp_path, "lr_tiny", steps=1000)
    assert "plateau" in kinds and not kinds & SERIOUS, kinds


def test_overfitting_on_a_tiny_training_set_diverges(tmp_path: Path) -> None:
    kinds = kinds_of(tmp_path, "overfit", steps=3000)
    assert "diverging" in kinds and not kinds & {"nan", "frozen"}, kinds


def test_stuck_training_loss_is_flagged_within_a_fifth_of_its_flat_length() -> None:
    # train/loss every 10 steps, heading down, stuck at 1.2 from step 1,000 to 5,000.
    rng = np.random.default_rng(0)
    steps = np.arange(10, 5001, 10)
    heading = 0.5 + 1.8 * np.exp(-steps / 1060)
    values = np.where(steps <= 1000, heading, 1.2) + rng.normal(0, 0.005, steps.shape[0])
    cfg = HealthConfig()
    first = None
    for upto in range(100, steps.shape[0] + 1, 5):
        run = run_with("r", series("train/loss", steps[:upto], values[:upto]))
        found = [a for a in detect_plateau(run, cfg, now=T0) if a.kind == "plateau"]
        if found:
            first = int(steps[upto - 1])
            assert "stalled" in found[0].message
            break
    assert first is not None and first - 1000 <= 0.2 * 4000, first


def test_still_improving_training_loss_is_not_flagged() -> None:
    rng = np.random.default_rng(1)
    steps = np.arange(10, 5001, 10)
    slow = 0.5 + 1.8 * np.exp(-steps / 4000) + rng.normal(0, 0.02, steps.shape[0])
    for upto in range(60, steps.shape[0] + 1, 20):
        run = run_with("r", series("train/loss", steps[:upto], slow[:upto]))
        assert detect_plateau(run, HealthConfig(), now=T0) == [], upto
