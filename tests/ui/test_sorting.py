"""Sort orders over real summaries of the demo sweep."""

from __future__ import annotations

import math
from pathlib import Path

from tests.demo_runs import FIXED_NOW
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.loading import load_once
from tfwatch.ui.sorting import SORT_MODES, key_function, numeric_key, sort_runs


def summaries(root: Path):  # type: ignore[no-untyped-def]
    tailer = load_once([str(root)])
    return SnapshotBuilder().build(tailer.runs, FIXED_NOW).runs


def test_every_mode_orders_every_run(demo_root: Path) -> None:
    runs = summaries(demo_root)
    for mode in SORT_MODES:
        for reverse in (False, True):
            order = sort_runs(runs.values(), mode.key, "train/loss", reverse)
            assert sorted(order) == sorted(runs)


def test_value_sort_puts_best_first_and_nan_last_both_ways(demo_root: Path) -> None:
    runs = summaries(demo_root)
    order = sort_runs(runs.values(), "value", "train/loss")
    lasts = [runs[n].metrics["train/loss"].last_value for n in order[:-1]]
    assert lasts == sorted(lasts)
    assert order[-1] == "sweep/lr=0.3"
    assert sort_runs(runs.values(), "value", "train/loss", reverse=True)[-1] == "sweep/lr=0.3"


def test_convergence_orders(demo_root: Path) -> None:
    runs = summaries(demo_root)
    slope = sort_runs(runs.values(), "slope", "train/loss")
    slopes = [runs[n].metrics["train/loss"].convergence.slope for n in slope[:-1]]
    assert slopes == sorted(slopes, reverse=True)
    since = sort_runs(runs.values(), "since_best", "train/loss")
    gaps = [runs[n].metrics["train/loss"].convergence.steps_since_best for n in since]
    assert gaps == sorted(gaps, key=lambda g: -(g or 0))
    plateau = sort_runs(runs.values(), "plateau", "train/loss")
    assert plateau.index("sweep/lr=0.01") < plateau.index("sweep/lr=0.03")


def test_missing_metric_goes_last_and_step_sort(demo_root: Path) -> None:
    runs = summaries(demo_root)
    assert sort_runs(runs.values(), "value", "no/such/tag") == sorted(runs)
    by_step = sort_runs(runs.values(), "step", None)
    assert by_step[-1] == "sweep/lr=0.003"


def test_the_key_function_of_each_order_agrees_with_numeric_key(demo_root: Path) -> None:
    """The one-call key a sort keystroke uses against the plain reading of numeric_key:
    missing values last, reversed numbers, ties by name."""
    runs = list(summaries(demo_root).values())
    for mode in SORT_MODES:
        for metric in ("train/loss", "train/accuracy", "no/such", None):
            for reverse in (False, True):
                key = key_function(mode.key, metric, reverse)
                for run in runs:
                    if mode.key == "name":
                        want: tuple[int, float, str] = (0, 0.0, run.name)
                    else:
                        k = numeric_key(run, mode.key, metric)
                        want = (1, 0.0, run.name) if math.isnan(k) else (
                            0, -k if reverse else k, run.name
                        )  # fmt: skip
                    assert key(run) == want, (mode.key, metric, reverse, run.name)
