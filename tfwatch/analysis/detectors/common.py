"""Small pieces the detectors share: tag selection, step lookups, liveness."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.direction import higher_is_better, is_eval_metric, is_quality_metric
from tfwatch.analysis.protocols import PointArrays, RunLike, ScalarSeriesLike
from tfwatch.analysis.settings import S

#: A run counts as observed live when it wrote an event at most this long before tfwatch
#: first saw its files (allows for clock skew between the writer's host and this one).
LIVE_SLACK_S = 60.0


def watched_scalars(
    run: RunLike, settings: S, config: HealthConfig, default: Callable[[str], bool]
) -> Iterator[tuple[str, ScalarSeriesLike, S]]:
    """(tag, series, settings for that tag) for each scalar the detector should check."""
    for tag in sorted(run.scalars):
        own = settings.for_tag(tag)
        if own.watches(tag, default):
            yield tag, run.scalars[tag], own


def quality_default(config: HealthConfig) -> Callable[[str], bool]:
    """Default tag choice of the trend detectors: losses, errors, accuracies…"""
    return lambda tag: is_quality_metric(tag, config.maximize, config.minimize)


def eval_quality_default(config: HealthConfig) -> Callable[[str], bool]:
    """Default tag choice of the plateau detector: per-evaluation quality metrics."""
    quality = quality_default(config)
    return lambda tag: quality(tag) and is_eval_metric(tag)


def direction(tag: str, config: HealthConfig) -> bool:
    """Whether higher is better for ``tag`` under ``config``."""
    return higher_is_better(tag, config.maximize, config.minimize)


def wall_time_at(points: PointArrays, step: int, fallback: float) -> float:
    """Wall time of the point at ``step`` (the nearest earlier one), else ``fallback``."""
    i = int(np.searchsorted(points.steps, step, side="right")) - 1
    if 0 <= i < points.wall_times.shape[0]:
        return float(points.wall_times[i])
    return fallback


def observed_live(run: RunLike) -> bool:
    """Whether the run was writing while tfwatch watched (not an old, finished run)."""
    seen = [f.first_seen for f in run.files.values() if f.first_seen > 0]
    return bool(seen) and run.last_wall_time >= min(seen) - LIVE_SLACK_S


def nice_ceiling(x: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that is ≥ ``x``."""
    if x <= 1:
        return 1
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * exp >= x:
            return int(m * exp)
    return int(10 * exp)  # pragma: no cover - the loop always returns
