"""``oscillating``: large, rhythmic swings, never plain noise."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, arrays, run_with, series

from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.oscillating import (
    detect_oscillating,
    fisher_g,
    is_oscillating,
    measure_oscillation,
)
from tfwatch.analysis.settings import OscillatingSettings

STEPS = np.arange(0, 3000, 10)
TREND = 0.9 - 0.8 * np.exp(-STEPS / 500)


def check(values: np.ndarray) -> bool:
    p = arrays(STEPS, values)
    found = measure_oscillation(p, p, window=30, weight=0.6)
    assert found is not None
    return is_oscillating(found, OscillatingSettings())


def test_sine_swings_on_accuracy_are_oscillating() -> None:
    values = TREND.copy()
    values[200:] += 0.25 * np.sin(2 * np.pi * np.arange(100) / 8)
    assert check(values)


def test_flipping_every_evaluation_is_oscillating() -> None:
    values = TREND.copy()
    values[250:] += 0.2 * (-1.0) ** np.arange(50)
    assert check(values)


def test_heavy_white_noise_is_not_oscillating() -> None:
    rng = np.random.default_rng(0)
    flagged = sum(check(TREND + rng.normal(0, 0.3, STEPS.size)) for _ in range(100))
    assert flagged <= 1  # ALPHA = 1e-4 per window


def test_small_rhythmic_wiggles_on_a_big_move_are_not_oscillating() -> None:
    values = TREND + 0.01 * np.sin(2 * np.pi * STEPS / 80)
    assert not check(values)


def test_a_curved_but_clean_trend_is_not_oscillating() -> None:
    # Early in training, a fast exponential drop inside the window is curvature, not rhythm.
    values = 3 * np.exp(-STEPS / 150) + 0.1
    p = arrays(STEPS[:40], values[:40])
    found = measure_oscillation(p, p, window=30, weight=0.6)
    assert found is not None and not is_oscillating(found, OscillatingSettings())


def test_fisher_g_on_a_pure_tone_and_on_noise() -> None:
    tone = np.sin(2 * np.pi * np.arange(30) / 5)
    g, limit = fisher_g(tone)
    assert g > 0.95 and 0.5 < limit < 0.8
    g_noise, _ = fisher_g(np.random.default_rng(1).normal(size=30))
    assert g_noise < limit


def test_detector_reports_the_window_and_ratio() -> None:
    values = TREND.copy()
    values[200:] += 0.25 * np.sin(2 * np.pi * np.arange(100) / 8)
    run = run_with("r", series("val/acc", STEPS, values), series("lr", STEPS, values))
    [alert] = detect_oscillating(run, HealthConfig(), now=T0)
    assert alert.tag == "val/acc" and alert.kind == "oscillating"
    assert alert.step == STEPS[-30]
    assert "learning rate" in alert.message and "last 30 points" in alert.message


def test_too_few_points_no_judgement() -> None:
    values = 0.5 + 0.2 * (-1.0) ** np.arange(20)
    run = run_with("r", series("val/acc", np.arange(20), values))
    assert detect_oscillating(run, HealthConfig(), now=T0) == []
