"""The comparison built from real event files: deltas, bests, crossings, hparams, alerts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tfwatch.analysis import smooth
from tfwatch.loading import load_once
from tfwatch.report.model import build_comparison, differing_hparams


def _runs(root: Path):
    return list(load_once([str(root)], retain_all=True).runs.values())


def test_cells_against_the_written_curves(sweep: Path) -> None:
    runs = _runs(sweep)
    report = build_comparison(runs, ["train/loss", "val/acc"], baseline="baseline", now=5000.0)
    loss = report.metric("train/loss")
    assert not loss.higher_is_better and report.metric("val/acc").higher_is_better
    by_name = {r.name: r for r in runs}
    for name, cell in loss.cells.items():
        series = by_name[name].scalars["train/loss"]
        pts = series.recent()
        finite = np.isfinite(pts.values)
        assert cell.final_step == int(pts.steps[-1])
        assert cell.best == float(pts.values[finite].min())
        assert cell.best_step == int(pts.steps[finite][np.argmin(pts.values[finite])])
        assert len(cell.sparkline) == 16
    base_final = loss.cells["baseline"].final
    fast = loss.cells["fast"]
    assert fast.delta == pytest.approx(fast.final - base_final)
    assert fast.delta_ratio == pytest.approx((fast.final - base_final) / abs(base_final))
    assert fast.better is True and loss.cells["slow"].better is False
    # The diverged run ends in NaN: no delta, no verdict, and a NaN final value.
    assert math.isnan(loss.cells["diverged"].final) and loss.cells["diverged"].delta is None
    assert loss.cells["baseline"].delta is None
    assert loss.best_run == "fast" and report.metric("val/acc").best_run == "fast"


def test_steps_to_baseline_is_the_first_smoothed_crossing(sweep: Path) -> None:
    runs = _runs(sweep)
    report = build_comparison(runs, ["train/loss"], baseline="baseline", now=5000.0)
    loss = report.metric("train/loss")
    base = {r.name: r for r in runs}["baseline"].scalars["train/loss"].recent()
    target = float(smooth(base.values, report.smoothing)[-1])
    assert loss.baseline_target == pytest.approx(target)
    for run in runs:
        pts = run.scalars["train/loss"].recent()
        ok = np.isfinite(pts.values)
        curve = smooth(pts.values[ok], report.smoothing)
        hits = [int(s) for s, v in zip(pts.steps[ok], curve, strict=True) if v <= target]
        expected = hits[0] if hits else None
        assert loss.cells[run.name].steps_to_baseline == expected
    assert loss.cells["slow"].steps_to_baseline is None
    assert loss.cells["fast"].steps_to_baseline < loss.cells["baseline"].steps_to_baseline


def test_hparams_alerts_and_importance(sweep: Path) -> None:
    runs = _runs(sweep)
    report = build_comparison(runs, ["val/acc"], baseline="baseline", now=5000.0)
    # "layers" is 4 everywhere: it says nothing and is left out.
    assert report.differing_hparams == ("lr", "optimizer")
    kinds = {(a.run, a.kind) for a in report.alerts}
    assert ("diverged", "nan") in kinds
    assert all(a.run == "diverged" for a in report.alerts if a.kind == "nan")
    imp = report.importance
    assert imp is not None and imp.tag == "val/acc"
    assert imp.best_run == "fast" and imp.best_config["lr"] == pytest.approx(0.1)
    effects = {e.name: e for e in imp.effects}
    assert effects["lr"].n == 4 and effects["lr"].rho is not None
    assert effects["optimizer"].best_level == "adam" and effects["optimizer"].best_level_n == 2


def test_without_baseline_the_race_uses_the_median_best(sweep: Path) -> None:
    runs = _runs(sweep)
    report = build_comparison(runs, ["train/loss"], now=5000.0)
    assert report.baseline is None and report.metric("train/loss").baseline_target is None
    assert all(c.delta is None for c in report.metric("train/loss").cells.values())
    race = report.race
    assert race is not None and race.tag == "train/loss" and "median" in race.origin
    # At least half the runs reached the median of their bests, the fastest first.
    assert len(race.reached) >= 2 and race.reached[0].run == "fast"
    steps = [c.step for c in race.reached]
    assert steps == sorted(steps)


def test_unknown_baseline_and_missing_metric(sweep: Path, write_run) -> None:
    write_run("other", {"something_else": [(0, 1.0), (1, 2.0)]})
    runs = _runs(sweep)
    with pytest.raises(ValueError, match="nope"):
        build_comparison(runs, ["train/loss"], baseline="nope")
    report = build_comparison(runs, ["train/loss"], baseline="baseline", now=5000.0)
    assert "other" not in report.metric("train/loss").cells
    assert "other" in {r.name for r in report.runs}


def test_differing_hparams_counts_a_missing_key() -> None:
    from tfwatch.report.model import RunInfo

    runs = [RunInfo("a", "a", 1, {"lr": 0.1, "x": 1.0}), RunInfo("b", "b", 1, {"lr": 0.1})]
    assert differing_hparams(runs) == ("x",)
