"""TensorBoard's debiased EMA, checked against a line-by-line port of its frontend loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tfwatch.analysis.smoothing import MAX_WEIGHT, clamp_weight, smooth


def tensorboard_classic_smoothing(values: list[float], weight: float) -> list[float]:
    """TensorBoard's ``classicSmoothing`` (data_transformer.ts), transcribed as is."""
    if not math.isfinite(weight):
        weight = 0.0
    weight = max(0.0, min(weight, 1.0))
    if all(v == values[0] for v in values):
        return list(values)
    last, num_accum, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        num_accum += 1
        debias = 1.0 if weight == 1 else 1 - weight**num_accum
        out.append(last / debias)
    return out


@pytest.mark.parametrize("weight", [0.0, 0.05, 0.3, 0.6, 0.9, 0.99, 0.999])
def test_matches_tensorboard_on_a_noisy_curve(weight: float) -> None:
    rng = np.random.default_rng(1)
    values = (2 * np.exp(-np.arange(3000) / 500) + rng.normal(0, 0.1, 3000)).tolist()
    expected = tensorboard_classic_smoothing(values, weight)
    np.testing.assert_allclose(smooth(np.array(values), weight), expected, rtol=1e-10, atol=1e-12)


def test_small_weights_over_many_blocks_stay_accurate() -> None:
    # w = 0.01 makes w**-k overflow after ~100 points: the blocked recurrence must carry.
    values = np.sin(np.arange(5000) / 7.0) * 100 + 1000
    expected = tensorboard_classic_smoothing(values.tolist(), 0.01)
    np.testing.assert_allclose(smooth(values, 0.01), expected, rtol=1e-12)


def test_non_finite_points_pass_through_and_do_not_poison_the_average() -> None:
    values = np.array([1.0, 2.0, np.nan, 3.0, np.inf, -np.inf, 4.0])
    out = smooth(values, 0.6)
    assert math.isnan(out[2]) and out[4] == np.inf and out[5] == -np.inf
    finite = smooth(np.array([1.0, 2.0, 3.0, 4.0]), 0.6)
    np.testing.assert_allclose(out[[0, 1, 3, 6]], finite)
    np.testing.assert_allclose(out, tensorboard_classic_smoothing(values.tolist(), 0.6))


def test_first_point_is_itself_thanks_to_debiasing() -> None:
    out = smooth(np.array([5.0, 1.0, 1.0]), 0.9)
    assert out[0] == pytest.approx(5.0)
    # Debiased: the second point is the weighted mean 0.9*5 + 1*... / (1 - 0.81).
    assert out[1] == pytest.approx((0.9 * 0.1 * 5 + 0.1 * 1) / (1 - 0.81))


def test_constant_series_stays_exactly_constant() -> None:
    values = np.full(1000, 0.1)
    assert np.array_equal(smooth(values, 0.99), values)


def test_weight_zero_is_the_identity_and_input_is_not_modified() -> None:
    values = np.array([3.0, 1.0, 2.0])
    out = smooth(values, 0.0)
    assert np.array_equal(out, values) and out is not values
    smooth(values, 0.9)
    assert values.tolist() == [3.0, 1.0, 2.0]


def test_empty_one_point_and_all_nan() -> None:
    assert smooth(np.array([]), 0.6).shape == (0,)
    assert smooth(np.array([7.0]), 0.6).tolist() == [7.0]
    assert np.isnan(smooth(np.array([np.nan, np.nan]), 0.6)).all()


def test_weights_are_clamped_like_the_slider() -> None:
    assert clamp_weight(-1) == 0.0
    assert clamp_weight(float("nan")) == 0.0
    assert clamp_weight(1.0) == MAX_WEIGHT
    values = np.array([1.0, 3.0, 2.0, 5.0])
    np.testing.assert_allclose(smooth(values, 5.0), smooth(values, MAX_WEIGHT))
