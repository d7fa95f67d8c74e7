"""Run summaries built from a real store: values, states, caching by version."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.demo_runs import DEMO_STEPS, FIXED_NOW
from tfwatch.demo import FIXED_START, STEP_SECONDS, fixed_end_time
from tfwatch.live.recency import run_state
from tfwatch.live.run_copies import run_detail, series_of
from tfwatch.live.snapshot_builder import SnapshotBuilder, default_metrics
from tfwatch.live.view_models import SPARK_WIDTH
from tfwatch.loading import load_once
from tfwatch.model.run_states import ALL_STATES as STATES
from tfwatch.text.sparkline import NAN_MARK


def test_summaries_of_the_demo_sweep(demo_root: Path) -> None:
    tailer = load_once([str(demo_root)])
    snap = SnapshotBuilder().build(tailer.runs, FIXED_NOW)
    assert snap.metrics == ("train/loss",)  # the only tag with "loss"
    assert snap.tag_counts["val/accuracy"] == 6
    fast = snap.runs["sweep/lr=0.1"]
    loss = fast.metrics["train/loss"]
    assert loss.last_step == DEMO_STEPS - 1 and fast.last_step == DEMO_STEPS - 1
    assert not loss.higher_is_better
    assert loss.best_value <= loss.last_value < 0.25
    assert len(loss.spark) == SPARK_WIDTH
    assert loss.convergence.plateau > 0.0
    assert math.isclose(fast.steps_per_second, 1 / STEP_SECONDS, rel_tol=1e-6)
    assert fast.hparams["optimizer"] == "adam"
    diverged = snap.runs["sweep/lr=0.3"].metrics["train/loss"]
    assert math.isnan(diverged.last_value) and diverged.nan_count > 0
    assert NAN_MARK in diverged.spark
    stalled = snap.runs["sweep/lr=0.003"]
    assert stalled.state == "idle" and stalled.last_step < DEMO_STEPS // 2
    counts = snap.count_by_state()
    assert counts == {"running": 5, "idle": 1} | {
        s: 0 for s in counts if s not in ("running", "idle")
    }
    assert set(counts) == set(STATES)


def test_unchanged_runs_reuse_their_summary(demo_root: Path) -> None:
    tailer = load_once([str(demo_root)])
    builder = SnapshotBuilder()
    first = builder.build(tailer.runs, FIXED_NOW)
    second = builder.build(tailer.runs, FIXED_NOW + 1)
    assert all(second.runs[n] is first.runs[n] for n in first.runs)
    tailer.runs["sweep/lr=0.1"].version += 1  # as the store does on new data
    third = builder.build(tailer.runs, FIXED_NOW + 2)
    assert third.runs["sweep/lr=0.1"] is not first.runs["sweep/lr=0.1"]
    assert third.runs["sweep/lr=0.01"] is first.runs["sweep/lr=0.01"]
    later = builder.build(tailer.runs, FIXED_NOW + 3600)  # an hour on: nobody running
    assert later.count_by_state()["running"] == 0


def test_speed_is_dropped_once_a_run_stops_stepping(demo_root: Path) -> None:
    tailer = load_once([str(demo_root)])
    builder = SnapshotBuilder()
    end = fixed_end_time(DEMO_STEPS)
    live = builder.build(tailer.runs, end + 2.0)
    fast = live.runs["sweep/lr=0.1"]
    assert fast.state == "running"
    assert math.isclose(fast.steps_per_second, 1 / STEP_SECONDS, rel_tol=1e-6)
    # The run that stopped writing 3 minutes before the end keeps no speed.
    stopped = live.runs["sweep/lr=0.003"]
    assert stopped.state == "idle" and math.isnan(stopped.steps_per_second)
    assert math.isclose(stopped.recent_rate, 1 / STEP_SECONDS, rel_tol=1e-6)
    # 15 s on, nothing new: still "running" by recency, but 30 usual intervals without a
    # step: the same cached summaries must lose their speed.
    quiet = builder.build(tailer.runs, end + 15.0)
    assert quiet.runs["sweep/lr=0.1"].state == "running"
    assert all(math.isnan(r.steps_per_second) for r in quiet.runs.values())
    # Steps again (the clock back within the usual silence): the speed is back.
    again = builder.build(tailer.runs, end + 2.0)
    assert math.isclose(again.runs["sweep/lr=0.1"].steps_per_second, 1 / STEP_SECONDS)


def test_metric_choice_and_direction(demo_root: Path) -> None:
    tailer = load_once([str(demo_root)])
    builder = SnapshotBuilder(metrics=("val/accuracy",))
    acc = builder.build(tailer.runs, FIXED_NOW).runs["sweep/lr=0.1"].metrics["val/accuracy"]
    assert acc.higher_is_better and acc.best_value >= acc.last_value - 1e-9
    builder.set_metrics(["train/lr"])
    snap = builder.build(tailer.runs, FIXED_NOW)
    assert list(snap.runs["sweep/lr=0.1"].metrics) == ["train/lr"]
    max_builder = SnapshotBuilder(metrics=("train/lr",), maximize=("*lr",))
    assert max_builder.build(tailer.runs).runs["sweep/lr=0.1"].metrics["train/lr"].higher_is_better


def test_default_metric_prefers_the_most_common_loss() -> None:
    assert default_metrics({"a/loss": 2, "b/loss": 5, "acc": 9}) == ("b/loss",)
    assert default_metrics({"zeta": 1, "acc": 9}) == ("acc",)
    assert default_metrics({}) == ()


def test_states_from_age() -> None:
    assert run_state(100.0, False, 110.0) == "running"
    assert run_state(100.0, False, 400.0) == "idle"
    assert run_state(100.0, False, 100.0 + 3600) == "finished"
    assert run_state(100.0, True, 110.0) == "gone"


def test_detail_and_series_are_copies(demo_root: Path) -> None:
    tailer = load_once([str(demo_root)])
    run = tailer.runs["sweep/lr=0.3"]
    detail = run_detail(run)
    assert set(detail.scalars) == set(run.scalars)
    assert detail.histograms == ("weights/layer1",)
    assert detail.files[0].host == "demo-host"
    detail.scalars["train/loss"].values[:] = 0.0
    assert run.scalars["train/loss"].nan_count > 0
    series = series_of(tailer.runs, ["sweep/lr=0.1", "missing"], "train/loss")
    assert list(series) == ["sweep/lr=0.1"]
    assert float(series["sweep/lr=0.1"].wall_times[0]) == FIXED_START


def test_a_pass_costs_what_changed(demo_root: Path) -> None:
    """Nothing changed: the very same snapshot (nothing recomputed, the forecasts and
    views skip it too); one run's data or one run's clock-driven state moved: only its
    row is made again."""
    tailer = load_once([str(demo_root)])
    builder = SnapshotBuilder()
    end = fixed_end_time(DEMO_STEPS)
    first = builder.build(tailer.runs, end + 1.0)
    assert builder.build(tailer.runs, end + 1.5) is first
    tailer.runs["sweep/lr=0.1"].version += 1
    second = builder.build(tailer.runs, end + 2.0)
    assert second is not first
    changed = [n for n in first.runs if second.runs[n] is not first.runs[n]]
    assert changed == ["sweep/lr=0.1"]
    # Past the running window every running run turns idle: the clock alone moved
    # them, and the one already idle stays the same object.
    later = builder.build(tailer.runs, end + 31.0)
    assert later.runs["sweep/lr=0.003"] is second.runs["sweep/lr=0.003"]
    assert later.count_by_state()["running"] == 0
    assert [r.state for r in later.runs.values()] == [
        run_state(r.activity, False, end + 31.0) for r in later.runs.values()
    ]


def test_a_pass_told_nothing_changed_still_moves_states_with_the_clock(demo_root: Path) -> None:
    """``unchanged`` (the tailer touched no run) skips the look at each run only until
    some run's state or speed is due to move: the states and speeds over an hour match a
    builder that looks at every run each time."""
    tailer = load_once([str(demo_root)])
    told, looking = SnapshotBuilder(), SnapshotBuilder()
    end = fixed_end_time(DEMO_STEPS)
    first = told.build(tailer.runs, end + 2.0, unchanged=True)  # (nothing to reuse yet)
    assert told.build(tailer.runs, end + 2.1, unchanged=True) is first
    for later in (2.0, 2.5, 9.0, 15.0, 15.2, 40.0, 200.0, 201.0, 3600.0, 3600.5, 2.0):
        a = told.build(tailer.runs, end + later, unchanged=True)
        b = looking.build(tailer.runs, end + later)
        assert {n: (r.state, r.steps_per_second) for n, r in a.runs.items()} == pytest.approx(
            {n: (r.state, r.steps_per_second) for n, r in b.runs.items()}, nan_ok=True
        ), later
    assert a.count_by_state()["running"] == 5  # (the clock back: running again)
