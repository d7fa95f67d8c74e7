"""Who reached a value first, from real event files, in steps and in wall time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.report.curves import decay
from tfwatch.analysis import smooth
from tfwatch.loading import load_once
from tfwatch.report.milestones import first_reach, race


def _first_crossing(steps, walls, values, target, weight):
    """Reference: TensorBoard's EMA written out as its frontend's loop."""
    last, n = 0.0, 0
    for s, w, v in zip(steps, walls, values, strict=True):
        if not np.isfinite(v):
            continue
        n += 1
        last = last * weight + (1 - weight) * v
        if last / (1 - weight**n) <= target:
            return int(s), float(w)
    return None


def test_race_in_steps_and_wall_time(write_run, tmp_path: Path) -> None:
    # "quick" needs fewer steps, but each of its steps takes 5 s: "steady" wins in time.
    write_run("quick", {"loss": decay(2.0, 0.2, 20, 200)}, seconds_per_step=5.0)
    write_run("steady", {"loss": decay(2.0, 0.2, 40, 200)}, seconds_per_step=1.0)
    write_run("never", {"loss": decay(2.0, 1.0, 40, 200)})
    runs = load_once([str(tmp_path)], retain_all=True).runs
    curves = {name: run.scalars["loss"].recent() for name, run in runs.items()}
    result = race("loss", 0.5, False, curves, 0.6, "test")
    assert [c.run for c in result.reached] == ["quick", "steady"]
    assert result.not_reached == ("never",)
    for crossing in result.reached:
        pts = curves[crossing.run]
        ref = _first_crossing(pts.steps, pts.wall_times, pts.values, 0.5, 0.6)
        assert ref is not None
        assert crossing.step == ref[0]
        assert crossing.elapsed_s == ref[1] - float(pts.wall_times[0])
    fastest = result.fastest_in_time
    assert fastest is not None and fastest.run == "steady"


def test_nan_points_are_skipped_and_higher_is_better(write_run, tmp_path: Path) -> None:
    points = [(s, 0.1 * s) for s in range(10)]
    points[3] = (3, float("nan"))
    write_run("r", {"acc": points})
    pts = load_once([str(tmp_path)], retain_all=True).runs["r"].scalars["acc"].recent()
    hit = first_reach(pts, 0.4, True, 0.0)
    assert hit == (4, 4.0)
    assert first_reach(pts, 5.0, True, 0.0) is None
    assert first_reach(pts, float("nan"), True, 0.6) is None
    smoothed = smooth(pts.values, 0.6)
    step, _ = first_reach(pts, 0.4, True, 0.6) or (None, None)
    i = list(pts.steps).index(step)
    assert smoothed[i] >= 0.4 and all(v < 0.4 for v in smoothed[:i] if np.isfinite(v))
