"""``nan``: the first NaN or ±Inf of any scalar (loss, gradient norm, anything)."""

from __future__ import annotations

import math

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import watched_scalars
from tfwatch.analysis.protocols import RunLike
from tfwatch.model.alert_kinds import AlertKind


def detect_nan(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """One alert per scalar tag holding a non-finite value, at its first such step."""
    alerts: list[Alert] = []
    for tag, series, _ in watched_scalars(run, config.nan, config, lambda _: True):
        bad = series.nan_count + series.inf_count
        step = series.first_nonfinite_step
        if bad == 0 or step is None:
            continue
        points = series.overview()
        at = np.flatnonzero((points.steps == step) & ~np.isfinite(points.values))
        value = float(points.values[at[0]]) if at.shape[0] else math.nan
        wall = float(points.wall_times[at[0]]) if at.shape[0] else series.last_wall_time
        what = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        more = f" ({bad:,} non-finite values so far)" if bad > 1 else ""
        alerts.append(
            Alert(
                run.name,
                tag,
                step,
                wall,
                AlertKind.NAN,
                f"{tag} became {what} at step {step:,}{more}",
            )
        )
    return alerts
