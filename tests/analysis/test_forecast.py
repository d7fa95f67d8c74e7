"""Forecast of a metric's final value, its interval, and steps until a target."""

from __future__ import annotations

import math

import numpy as np
import pytest
from analysis_builders import arrays

from tfwatch.analysis.forecast import forecast, parse_target, steps_to_target

STEPS = np.arange(0, 20_000, 10)


def exp_curve(a: float, b: float, tau: float, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return a + b * np.exp(-STEPS / tau) + rng.normal(0, noise, STEPS.size)


def test_exponential_decay_finds_its_asymptote() -> None:
    fc = forecast(arrays(STEPS, exp_curve(0.3, 2.0, 4000, 0.05, 1)))
    assert fc is not None
    assert fc.model == "exp"
    assert fc.value == pytest.approx(0.3, abs=0.01)
    assert fc.low <= 0.3 <= fc.high
    assert fc.high - fc.low < 0.05
    assert fc.r2 > 0.99
    assert fc.last_step == 19_990


def test_interval_covers_the_truth_in_most_repetitions() -> None:
    # A 90 % interval, 30 independent noisy curves: an honest interval covers most of them.
    hits = 0
    for seed in range(30):
        fc = forecast(arrays(STEPS, exp_curve(0.9, -0.8, 6000, 0.02, seed)), replicates=100)
        assert fc is not None
        hits += fc.low <= 0.9 <= fc.high
    assert hits >= 24


def test_the_interval_is_wide_early_and_narrows_with_history() -> None:
    values = exp_curve(0.3, 2.0, 4000, 0.05, 2)
    early = forecast(arrays(STEPS[:500], values[:500]))
    late = forecast(arrays(STEPS, values))
    assert early is not None and late is not None
    assert (early.high - early.low) > 3 * (late.high - late.low)


def test_value_at_a_horizon() -> None:
    values = exp_curve(0.3, 2.0, 8000, 0.02, 3)
    fc = forecast(arrays(STEPS, values), horizon=30_000)
    assert fc is not None and fc.at_step == 30_000
    assert fc.value == pytest.approx(0.3 + 2.0 * math.exp(-30_000 / 8000), abs=0.02)


def test_power_law_curve_is_fitted() -> None:
    rng = np.random.default_rng(4)
    steps = np.arange(10, 50_000, 25)
    values = 0.2 + 3.0 * steps.astype(float) ** -0.5 + rng.normal(0, 0.002, steps.size)
    fc = forecast(arrays(steps, values))
    assert fc is not None
    assert fc.model == "power"
    assert fc.low <= 0.2 + 3.0 * 50_000**-0.5  # at or below where it is now
    assert fc.value == pytest.approx(0.2, abs=0.03)


@pytest.mark.parametrize(
    "values",
    [
        np.full(STEPS.size, 1.0),  # flat line
        0.5 + np.random.default_rng(5).normal(0, 0.05, STEPS.size),  # noise only
        0.5 + 0.3 * np.sin(STEPS / 900.0),  # not a decaying curve at all
    ],
    ids=["constant", "noise", "sine"],
)
def test_no_forecast_when_there_is_no_decaying_curve(values: np.ndarray) -> None:
    assert forecast(arrays(STEPS, values)) is None


def test_no_forecast_with_too_few_points() -> None:
    assert forecast(arrays(np.arange(5), [5.0, 4.0, 3.5, 3.2, 3.1])) is None
    assert forecast(arrays([], [])) is None


def test_non_finite_points_are_skipped() -> None:
    values = exp_curve(0.3, 2.0, 4000, 0.05, 6)
    values[::50] = np.nan
    values[7] = np.inf
    fc = forecast(arrays(STEPS, values))
    assert fc is not None and fc.value == pytest.approx(0.3, abs=0.02)


def test_same_data_same_answer() -> None:
    values = exp_curve(0.3, 2.0, 4000, 0.05, 7)
    a, b = forecast(arrays(STEPS, values)), forecast(arrays(STEPS, values))
    assert a is not None and b is not None
    assert (a.value, a.low, a.high) == (b.value, b.low, b.high)


def test_steps_to_target_on_a_noise_free_curve() -> None:
    # acc = 0.95 - 0.85 exp(-step / 5000) reaches 0.9 at step 5000 ln(17) ≈ 14,166.
    steps = np.arange(0, 8_000, 10)
    acc = 0.95 - 0.85 * np.exp(-steps / 5000)
    fc = forecast(arrays(steps, acc))
    assert fc is not None
    eta = steps_to_target(fc, 0.9, higher_is_better=True)
    expected = 5000 * math.log(17) - steps[-1]
    assert eta.steps == pytest.approx(expected, rel=0.02)
    assert eta.low is not None and eta.high is not None
    assert eta.steps is not None and eta.low <= eta.steps <= eta.high


def test_target_beyond_the_asymptote_is_never_reached() -> None:
    steps = np.arange(0, 8_000, 10)
    fc = forecast(arrays(steps, 0.95 - 0.85 * np.exp(-steps / 5000)))
    assert fc is not None
    eta = steps_to_target(fc, 0.97, higher_is_better=True)
    assert eta.steps is None and eta.high is None


def test_target_already_reached() -> None:
    fc = forecast(arrays(STEPS, exp_curve(0.3, 2.0, 4000, 0.0, 0)))
    assert fc is not None
    assert steps_to_target(fc, 1.0, higher_is_better=False).steps == 0


def test_parse_target() -> None:
    assert parse_target("val_acc=0.9") == ("val_acc", 0.9)
    assert parse_target("eval/loss = 0.25") == ("eval/loss", 0.25)
    for bad in ["val_acc", "=0.9", "val_acc=high", "val_acc=nan"]:
        with pytest.raises(ValueError):
            parse_target(bad)
