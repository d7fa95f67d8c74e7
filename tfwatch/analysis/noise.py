"""Robust noise and scale estimates shared by the convergence maths and the detectors."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

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
    mad = float(np.median(np.abs(d - np.median(d))))
    return _MAD_TO_SIGMA * mad / math.sqrt(2.0)


def finite_points(steps: npt.NDArray[np.int64], values: F64) -> tuple[npt.NDArray[np.int64], F64]:
    """The points of a series whose value is finite."""
    keep = np.isfinite(values)
    if bool(keep.all()):
        return steps, values
    return steps[keep], values[keep]
