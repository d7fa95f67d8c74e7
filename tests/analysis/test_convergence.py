"""Convergence summary on curves with known answers, and its edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from analysis_builders import arrays

from tfwatch.analysis.convergence import convergence


def test_straight_line_has_the_slope_of_the_line() -> None:
    steps = np.arange(0, 10_000, 10)
    values = 10.0 - 0.0005 * steps  # -0.5 per 1k steps
    c = convergence(arrays(steps, values), higher_is_better=False, weight=0.0)
    scale = values.max() - values.min()
    assert c.slope == pytest.approx(0.5 / scale, rel=1e-9)  # improving: positive
    assert c.improving is True
    assert c.steps_since_best == 0
    assert c.plateau == pytest.approx(0.0, abs=1e-12)
    w = len(steps) // 4
    assert c.trend == pytest.approx(-0.0005 * 10 * (w - 1) / values[-w], rel=1e-9)
    assert c.trend_arrow == "↓"


def test_sign_follows_the_direction() -> None:
    steps = np.arange(100)
    rising = arrays(steps, steps * 0.01)
    assert convergence(rising, higher_is_better=True).slope > 0
    assert convergence(rising, higher_is_better=False).slope < 0
    assert convergence(rising, higher_is_better=False).improving is False


def test_steps_since_best_on_a_v_shape() -> None:
    steps = np.arange(0, 2000, 10)
    values = np.abs(steps - 1200) / 1000.0 + 0.1
    c = convergence(arrays(steps, values), higher_is_better=False, weight=0.0)
    assert c.best_step == 1200
    assert c.steps_since_best == 1990 - 1200
    assert c.best_value == pytest.approx(0.1)


def test_plateau_separates_flat_noise_from_a_moving_noisy_curve() -> None:
    rng = np.random.default_rng(3)
    steps = np.arange(0, 20_000, 10)
    flat = 0.5 + rng.normal(0, 0.02, steps.size)
    moving = 2 * np.exp(-steps / 20_000) + rng.normal(0, 0.02, steps.size)
    assert convergence(arrays(steps, flat), False).plateau > 0.6
    assert convergence(arrays(steps, moving), False).plateau < 0.05


def test_constant_series() -> None:
    c = convergence(arrays(np.arange(50), np.full(50, 3.0)), higher_is_better=True)
    assert c.plateau == 1.0
    assert c.slope == 0.0 and c.trend == 0.0
    assert c.improving is None and c.trend_arrow == "→"
    assert c.best_step == 0


def test_zero_one_and_two_points() -> None:
    empty = convergence(arrays([], []), higher_is_better=False)
    assert empty.points == 0 and empty.steps_since_best is None and math.isnan(empty.value)
    one = convergence(arrays([5], [2.0]), higher_is_better=False)
    assert one.points == 1 and one.value == 2.0 and math.isnan(one.slope)
    two = convergence(arrays([0, 10], [2.0, 1.0]), higher_is_better=False, weight=0.0)
    assert two.slope > 0 and two.improving is True and math.isnan(two.plateau)


def test_non_finite_points_are_ignored() -> None:
    steps = np.arange(0, 100)
    values = 1.0 - steps / 100.0
    dirty = values.copy()
    dirty[[10, 50, 70]] = [np.nan, np.inf, -np.inf]
    keep = np.isfinite(dirty)
    c_dirty = convergence(arrays(steps, dirty), False)
    c_clean = convergence(arrays(steps[keep], values[keep]), False)
    assert c_dirty == c_clean
    only_nan = convergence(arrays([1, 2], [np.nan, np.nan]), False)
    assert only_nan.points == 0


def test_huge_steps_do_not_lose_precision() -> None:
    base = 2**62
    steps = base + np.arange(0, 1000, dtype=np.int64) * 1000
    values = 1.0 - np.arange(1000) * 1e-4  # -0.1 per 1k steps... per point: 1000 steps
    c = convergence(arrays(steps, values), False, weight=0.0)
    scale = values.max() - values.min()
    assert c.slope == pytest.approx(1e-4 / scale, rel=1e-9)
    assert c.last_step == int(steps[-1])
    assert c.steps_since_best == 0


def test_window_can_be_fixed() -> None:
    steps = np.arange(100)
    values = np.where(steps < 90, 1.0 - steps / 100, 0.11)  # flat over the last 10 points
    assert convergence(arrays(steps, values), False, weight=0.0, window=10).plateau == 1.0
    assert convergence(arrays(steps, values), False, weight=0.0, window=50).plateau < 0.01
