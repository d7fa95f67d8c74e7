"""``frozen``: a histogram tag whose distribution stopped changing while steps advance.

Weight histograms that are identical record after record mean the optimizer is not
updating them (a zero learning rate, a detached graph, layers left frozen by mistake).
The alert needs ``records`` consecutive identical records at increasing steps, counted
back from the latest one, and clears as soon as the distribution moves again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.protocols import HistogramPointLike, RunLike
from tfwatch.model.alert_kinds import AlertKind


def same_distribution(a: HistogramPointLike, b: HistogramPointLike, rtol: float) -> bool:
    """Whether two histogram records describe the same distribution (within ``rtol``)."""
    stats_a = np.array([a.min, a.max, a.num, a.sum, a.sum_squares], dtype=np.float64)
    stats_b = np.array([b.min, b.max, b.num, b.sum, b.sum_squares], dtype=np.float64)
    if not np.allclose(stats_a, stats_b, rtol=rtol, atol=0.0, equal_nan=True):
        return False
    if a.bucket_counts.shape != b.bucket_counts.shape:
        return False
    return bool(
        np.allclose(a.bucket_counts, b.bucket_counts, rtol=rtol, atol=0.0)
        and np.allclose(a.bucket_limits, b.bucket_limits, rtol=rtol, atol=0.0)
    )


def frozen_since(points: Sequence[HistogramPointLike], records: int, rtol: float) -> int | None:
    """Index of the first of the trailing identical records, if there are ``records`` of them."""
    if len(points) < records:
        return None
    start = len(points) - 1
    while start > 0:
        prev, cur = points[start - 1], points[start]
        if cur.step <= prev.step or not same_distribution(prev, cur, rtol):
            break
        start -= 1
    if len(points) - start < records or points[start].num <= 0:
        return None
    return start


def detect_frozen(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """A ``frozen`` alert per histogram tag that has stopped changing."""
    alerts: list[Alert] = []
    for tag in sorted(run.histograms):
        s = config.frozen.for_tag(tag)
        if not s.watches(tag, lambda _: True):
            continue
        points = run.histograms[tag].recent()
        start = frozen_since(points, s.records, s.rtol)
        if start is None:
            continue
        first, last = points[start], points[-1]
        text = (
            f"{tag} has not changed since step {first.step:,} "
            f"({len(points) - start} identical records up to step {last.step:,}): "
            "are these weights being trained?"
        )
        alerts.append(Alert(run.name, tag, first.step, first.wall_time, AlertKind.FROZEN, text))
    return alerts
