"""A run's state and speed from the recency of its writes, when no process says more."""

from __future__ import annotations

import math

from tfwatch.model.run_states import (
    IDLE_SECONDS,
    NOT_STEPPING_STATES,
    RUNNING_SECONDS,
    RunState,
)
from tfwatch.model.series_arrays import SeriesArrays

#: A run's speed is shown only while its steps keep coming: it is dropped after silence
#: longer than this many of its usual intervals between points. Writers queue up to ten
#: events before they flush (tensorboardX, PyTorch and TensorFlow alike), so a healthy run
#: can stay silent for about ten intervals; fewer would make the speed blink.
RATE_QUIET_INTERVALS = 10
#: ...and never before this many seconds of silence (a poll or two of a busy root).
RATE_QUIET_FLOOR_S = 10.0


def run_state(activity: float, gone: bool, now: float) -> RunState:
    """running / idle / finished / gone from the time of the last sign of life."""
    if gone:
        return RunState.GONE
    age = now - activity
    if age <= RUNNING_SECONDS:
        return RunState.RUNNING
    if age <= IDLE_SECONDS:
        return RunState.IDLE
    return RunState.FINISHED


def steps_per_second(points: SeriesArrays, last: int = 64) -> float:
    """Steps per second over the last ``last`` points (NaN without two distinct times)."""
    n = len(points)
    if n < 2:
        return math.nan
    a = max(0, n - last)
    dt = float(points.wall_times[-1] - points.wall_times[a])
    ds = float(points.steps[-1] - points.steps[a])
    return ds / dt if dt > 0 else math.nan


def current_rate(
    recent_rate: float, state: str, activity: float, cadence: float | None, now: float
) -> float:
    """The speed to show for a run: ``recent_rate`` while it is stepping; NaN once it is
    stalled, idle or ended, or has been silent for longer than
    :data:`RATE_QUIET_INTERVALS` of its usual intervals (at least
    :data:`RATE_QUIET_FLOOR_S`), so a stopped run never keeps its last speed."""
    if state in NOT_STEPPING_STATES or math.isnan(recent_rate):
        return math.nan
    quiet_after = max(RATE_QUIET_FLOOR_S, RATE_QUIET_INTERVALS * (cadence or 0.0))
    if activity > 0 and now - activity > quiet_after:
        return math.nan
    return recent_rate
