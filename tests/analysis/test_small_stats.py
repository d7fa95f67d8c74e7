"""The short-array mean and median give NumPy's results, bit for bit."""

from __future__ import annotations

import math

import numpy as np

from tfwatch.analysis.small_stats import mean, median


def test_mean_and_median_are_numpys() -> None:
    rng = np.random.default_rng(3)
    for _ in range(3000):
        n = int(rng.integers(1, 150))
        values = rng.normal(size=n) * 10.0 ** rng.integers(-8, 8)
        if rng.random() < 0.3:
            values = np.round(values, 1)  # ties
        if rng.random() < 0.1:
            values[rng.integers(0, n)] = rng.choice([np.inf, -np.inf])
        assert mean(values) == float(np.mean(values))
        want = float(np.median(values))
        assert median(values) == want or (math.isnan(want) and math.isnan(median(values)))
    for bad in ([np.nan], [1.0, np.nan, 2.0], [np.nan] * 4):
        assert math.isnan(median(np.array(bad))) and math.isnan(float(np.median(bad)))
    assert math.isnan(mean(np.array([]))) and math.isnan(median(np.array([])))
