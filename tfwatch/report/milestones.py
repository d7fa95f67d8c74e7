"""Who got there first: the step and wall time at which each run reached a value.

Crossings are read from the TensorBoard-smoothed curve, not the raw points, so one lucky
noisy point does not count as having reached a value the run does not hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tfwatch.analysis.noise import finite_points
from tfwatch.analysis.protocols import PointArrays
from tfwatch.analysis.smoothing import smooth


@dataclass(frozen=True)
class Crossing:
    """Where one run first reached the target."""

    run: str
    step: int
    #: Seconds from the run's first point of this metric to the crossing.
    elapsed_s: float


@dataclass(frozen=True)
class Race:
    """Which runs reached ``target`` on ``tag``, fastest (fewest steps) first."""

    tag: str
    target: float
    higher_is_better: bool
    #: Where the target comes from, for the reader ("baseline's final value", "--target").
    origin: str
    reached: tuple[Crossing, ...]
    not_reached: tuple[str, ...]

    @property
    def fastest_in_time(self) -> Crossing | None:
        """The crossing with the least wall time (may differ from the fewest steps)."""
        return min(self.reached, key=lambda c: c.elapsed_s, default=None)


def first_reach(
    points: PointArrays, target: float, higher_is_better: bool, weight: float
) -> tuple[int, float] | None:
    """(step, seconds since the first point) where the smoothed curve first reaches
    ``target``; None when it never does."""
    steps, values = finite_points(points.steps, points.values)
    if steps.shape[0] == 0 or not math.isfinite(target):
        return None
    finite = np.isfinite(points.values)
    walls = np.asarray(points.wall_times, dtype=np.float64)[finite]
    smoothed = smooth(values, weight)
    hit = smoothed >= target if higher_is_better else smoothed <= target
    if not hit.any():
        return None
    i = int(np.argmax(hit))
    return int(steps[i]), float(walls[i] - walls[0])


def race(
    tag: str,
    target: float,
    higher_is_better: bool,
    curves: dict[str, PointArrays],
    weight: float,
    origin: str,
) -> Race:
    """Run every curve in ``curves`` (run name → points) to ``target``."""
    reached: list[Crossing] = []
    missed: list[str] = []
    for run, points in curves.items():
        hit = first_reach(points, target, higher_is_better, weight)
        if hit is None:
            missed.append(run)
        else:
            reached.append(Crossing(run, hit[0], hit[1]))
    reached.sort(key=lambda c: (c.step, c.elapsed_s, c.run))
    return Race(tag, target, higher_is_better, origin, tuple(reached), tuple(sorted(missed)))
