"""run_health: every detector on one run, ordered, isolated from each other's failures."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, arrays, run_with, series

from tfwatch.analysis import HealthConfig, format_alert, run_health
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.series import ScalarSeries


class UnreadableSeries(ScalarSeries):
    """A series whose points cannot be read (as if its store had been corrupted)."""

    def recent(self) -> SeriesArrays:
        raise MemoryError("cannot allocate")


def test_alerts_sorted_by_kind_then_tag_with_state() -> None:
    bad = np.linspace(2, 1, 50)
    bad[30] = np.nan
    run = run_with(
        "r",
        series("val_loss", np.arange(50), np.r_[np.linspace(1, 0.5, 20), np.full(30, 0.5)]),
        series("b/loss", np.arange(50), bad),
        series("a/loss", np.arange(50), bad),
    )
    alerts = run_health(run, HealthConfig(), now=T0 + 60, state="crashed", plugins=[])
    assert [(a.kind, a.tag) for a in alerts] == [
        ("nan", "a/loss"),
        ("nan", "b/loss"),
        ("crashed", ""),
        ("plateau", "val_loss"),
    ]
    assert all(format_alert(a).startswith("r  ") for a in alerts)


def test_config_none_means_defaults() -> None:
    values = np.ones(20)
    values[5] = np.inf
    run = run_with("r", series("loss", np.arange(20), values))
    assert run_health(run, None, now=T0, plugins=[]) == run_health(
        run, HealthConfig(), now=T0, plugins=[]
    )


def test_a_failing_detector_becomes_a_notice_and_the_others_still_run() -> None:
    broken = UnreadableSeries("val_acc")
    points = arrays(np.arange(10), np.ones(10))
    broken.extend(points.steps, points.values, points.wall_times)
    nan_values = np.ones(10)
    nan_values[4] = np.nan
    run = run_with("r", broken, series("loss", np.arange(10), nan_values))
    alerts = run_health(run, HealthConfig(), now=T0, plugins=[])
    kinds = [a.kind for a in alerts]
    assert "nan" in kinds
    errors = [a for a in alerts if a.kind == AlertKind.DETECTOR_ERROR]
    assert errors and all("MemoryError: cannot allocate" in a.message for a in errors)
    assert kinds[-len(errors) :] == [AlertKind.DETECTOR_ERROR] * len(errors)
