"""Robust noise and scale estimates shared by the convergence maths and the detectors."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.small_stats import median

F64 = npt.NDArray[np.float64]

# Converts a median absolute deviation into a standard deviation for Gaussian noise.
_MAD_TO_SIGMA = 1.4826


def noise_sigma(values: F64) -> float:
    """Point-to-point noise of a series (standard deviation of one point), robustly.

    Uses the median absolute deviation of first differences, so a trend (which shifts
    the differences' median) and a few jumps (LR drops, spikes) do not inflate it.
    Needs finite values; returns 0.0 for fewer than three.
    """
    if values.shape[0] < 3:
        return 0.0
    d = np.diff(values)
    mad = median(np.abs(d - median(d)))
    return _MAD_TO_SIGMA * mad / math.sqrt(2.0)


def resolution(values: F64) -> float:
    """The smallest step between two distinct values of a series: what it can show at
    all. An accuracy counted over 1,000 samples moves by 0.001 at least; a metric that
    sits at one value and jumps now and then has a median noise of 0 but a resolution
    of its jumps. 0.0 for a series with fewer than two distinct values."""
    distinct = np.unique(values[np.isfinite(values)])
    if distinct.shape[0] < 2:
        return 0.0
    return float(np.min(np.diff(distinct)))


def noise_floor(values: F64) -> float:
    """The smallest change of a series that is not noise: its point noise
    (:func:`noise_sigma`), but never below its :func:`resolution`. Relative-change rules
    measure progress and give-back in these units, so a metric stuck at chance level that
    flips between two values is not read as a trend."""
    finite = values[np.isfinite(values)]
    return max(noise_sigma(finite), resolution(finite))


def finite_points(steps: npt.NDArray[np.int64], values: F64) -> tuple[npt.NDArray[np.int64], F64]:
    """The points of a series whose value is finite."""
    keep = np.isfinite(values)
    if bool(keep.all()):
        return steps, values
    return steps[keep], values[keep]
