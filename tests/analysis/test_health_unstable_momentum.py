"""Unstable momentum on a real training: the run gets worse from its first evaluation on.
It must read as ``diverging`` well before the end, and once it does, never again as a
``plateau`` (a run going wrong is not a run that stopped improving). A warm-up bump,
which also starts worse than its first point, must not."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from analysis_builders import T0, run_with, series

from tests.numpy_training import spec_for, train
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.diverging import detect_diverging
from tfwatch.analysis.health import run_health
from tfwatch.loading import load_once
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries


def _upto(run: Run, step: int) -> Run:
    """``run`` as it was when its writer had reached ``step``."""
    out = Run(name=run.name, root=run.root, path=run.path)
    for tag, full in run.scalars.items():
        pts = full.recent()
        keep = pts.steps <= step
        out.scalars[tag] = ScalarSeries(tag)
        out.scalars[tag].extend(pts.steps[keep], pts.values[keep], pts.wall_times[keep])
    out.last_wall_time = max(s.last_wall_time for s in out.scalars.values())
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_unstable_momentum_diverges_early_then_never_plateaus(tmp_path: Path, seed: int) -> None:
    spec = spec_for("momentum", seed, steps=3000)
    train(spec, tmp_path)
    run = load_once([str(tmp_path)]).runs[spec.name]
    first_diverging = None
    for step in range(200, spec.steps + 1, 200):
        part = _upto(run, step)
        kinds = {a.kind for a in run_health(part, None, part.last_wall_time + 1, plugins=[])}
        if first_diverging is not None:
            assert "plateau" not in kinds, (step, kinds)
        if "diverging" in kinds and first_diverging is None:
            first_diverging = step
    assert first_diverging is not None and first_diverging <= 1500, first_diverging
    final = {a.kind for a in run_health(run, None, time.time(), plugins=[])}
    assert "diverging" in final and not final & {"plateau", "converged"}, final


def test_loss_rising_from_its_start_says_so() -> None:
    # A loss that learned in its first steps, then climbs as momentum builds up.
    rng = np.random.default_rng(3)
    steps = np.arange(10, 1501, 10)
    values = 0.85 + 0.5 * (1 - np.exp(-steps / 200)) + rng.normal(0, 0.1, steps.shape[0])
    run = run_with("r", series("train/loss", steps, values))
    found = detect_diverging(run, HealthConfig(), now=T0)
    assert [a.kind for a in found] == ["diverging"]
    assert "got worse from its start" in found[0].message


def test_warm_up_bump_is_not_divergence() -> None:
    # A loss rising by 3 % of its start while the learning rate warms up, then falling:
    # worse than its start by hundreds of noise units, but a warm-up, not a failure.
    steps = np.arange(10, 100_001, 10)
    u = steps / steps[-1]
    warm = np.minimum(u / 0.05, 1.0)
    truth = 0.7 * np.exp(-4 * np.cumsum(warm) / steps.shape[0]) + 0.3 * warm * 0.1 + 0.33
    values = truth + np.random.default_rng(4).normal(0, 0.005, steps.shape[0])
    cfg = HealthConfig()
    for upto in range(30, 1500, 30):
        run = run_with("r", series("train/loss", steps[:upto], values[:upto]))
        assert detect_diverging(run, cfg, now=T0) == [], upto
