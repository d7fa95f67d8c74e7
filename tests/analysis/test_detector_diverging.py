"""``diverging``: give-back beyond noise, blow-up beyond the early level."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_builders import T0, arrays, run_with, series

from tfwatch.analysis.config import HealthConfig, config_from_dict
from tfwatch.analysis.detectors.diverging import detect_diverging, find_divergence
from tfwatch.analysis.settings import DivergingSettings

STEPS = np.arange(0, 4000, 10)
CFG = HealthConfig()


def loss_curve(seed: int = 0, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 0.2 + 2.0 * np.exp(-STEPS / 800) + rng.normal(0, noise, STEPS.size)


def test_a_healthy_noisy_loss_does_not_diverge() -> None:
    for seed in range(10):
        assert (
            find_divergence(arrays(STEPS, loss_curve(seed)), False, DivergingSettings(), 0.6)
            is None
        )


def test_a_loss_climbing_back_is_diverging_from_its_onset() -> None:
    values = loss_curve()
    values[250:] += np.linspace(0, 3.0, STEPS.size - 250)  # climbs from step 2,500
    found = find_divergence(arrays(STEPS, values), False, DivergingSettings(), 0.6)
    assert found is not None and found.rule in ("give-back", "blow-up")
    assert 2500 <= found.onset_step <= 3200
    assert found.value > 1.5


def test_blow_up_from_the_start_needs_no_progress() -> None:
    # A warm-up that explodes: never improved, but 5x its early level.
    values = 2.0 * np.exp(STEPS / 1500)
    found = find_divergence(arrays(STEPS, values), False, DivergingSettings(), 0.6)
    assert found is not None and found.rule == "blow-up"
    assert found.early == pytest.approx(np.median(values[:10]))
    assert found.value > 3 * found.early


def test_a_warm_up_bump_is_not_divergence() -> None:
    bump = np.where(STEPS < 600, 2.0 + 0.6 * np.sin(np.pi * STEPS / 600), 2.0)
    values = bump - 1.5 * np.clip((STEPS - 600) / 3400, 0, 1)
    assert find_divergence(arrays(STEPS, values), False, DivergingSettings(), 0.6) is None


def test_a_short_spike_is_not_sustained() -> None:
    values = loss_curve(noise=0.01)
    values[300:305] = 5.0
    assert find_divergence(arrays(STEPS, values), False, DivergingSettings(), 0.6) is None


def test_accuracy_falling_back_is_diverging() -> None:
    acc = 0.9 - 0.8 * np.exp(-STEPS / 600)
    acc[200:] -= np.linspace(0, 0.7, STEPS.size - 200)
    found = find_divergence(arrays(STEPS, acc), True, DivergingSettings(), 0.6)
    assert found is not None and found.rule == "give-back"
    assert found.best > 0.85 and found.value < 0.4


def test_recovery_clears_it() -> None:
    values = loss_curve(noise=0.01)
    values[200:300] += 2.0
    assert find_divergence(arrays(STEPS, values), False, DivergingSettings(), 0.6) is None


def test_too_few_points_no_judgement() -> None:
    values = [1.0, 2.0, 4.0, 8.0, 16.0]
    assert find_divergence(arrays(range(5), values), False, DivergingSettings(), 0.6) is None


def test_detector_on_a_run_watches_quality_metrics_only() -> None:
    rising = 1.0 + STEPS / 100.0
    run = run_with(
        "r",
        series("train/loss", STEPS, rising),
        series("throughput", STEPS, rising),  # not a quality metric
    )
    [alert] = detect_diverging(run, CFG, now=T0)
    assert alert.tag == "train/loss" and alert.kind == "diverging"
    assert "early level" in alert.message
    cfg = config_from_dict({"analysis": {"minimize": ["throughput"]}})
    assert {a.tag for a in detect_diverging(run, cfg, now=T0)} == {"train/loss", "throughput"}
