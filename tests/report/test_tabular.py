"""JSON and CSV: the same numbers as the model, strict JSON, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from tfwatch.cli.reporting import render
from tfwatch.loading import load_once
from tfwatch.report.model import build_comparison


def test_json_matches_the_model(sweep: Path) -> None:
    runs = list(load_once([str(sweep)], retain_all=True).runs.values())
    data = json.loads(render("json", runs, ["train/loss"], "baseline", None, None))
    model = build_comparison(runs, ["train/loss"], "baseline")
    (metric,) = data["metrics"]
    assert metric["tag"] == "train/loss" and metric["higher_is_better"] is False
    for name, cell in model.metric("train/loss").cells.items():
        got = metric["runs"][name]
        if math.isfinite(cell.final):
            assert got["final"] == cell.final
        else:
            assert got["final"] == "NaN"
        assert got["best"] == cell.best and got["best_step"] == cell.best_step
        assert got["steps_to_baseline"] == cell.steps_to_baseline
    assert data["baseline"] == "baseline" and data["differing_hparams"] == ["lr", "optimizer"]
    assert {a["kind"] for a in data["alerts"]} >= {"nan"}
    assert data["hparam_importance"]["best_run"] == "fast"
    assert data["first_to_reach"]["reached"][0]["run"] == "fast"


def test_csv_one_row_per_run(sweep: Path, write_run) -> None:
    write_run("=HYPERLINK(1)", {"train/loss": [(0, 1.0), (1, 0.5)]}, {"lr": "=cmd|x"})
    runs = list(load_once([str(sweep)], retain_all=True).runs.values())
    text = render("csv", runs, ["train/loss"], "baseline", None, None)
    rows = list(csv.DictReader(io.StringIO(text)))
    by_name = {r["run"]: r for r in rows}
    assert set(by_name) == {"baseline", "fast", "slow", "diverged", "'=HYPERLINK(1)"}
    assert by_name["baseline"]["baseline"] == "True"
    assert by_name["'=HYPERLINK(1)"]["hparam:lr"] == "'=cmd|x"
    assert by_name["fast"]["train/loss:better"] == "True"
    assert by_name["diverged"]["train/loss:final"] == "NaN"
    assert by_name["slow"]["train/loss:steps_to_baseline"] == ""
    assert float(by_name["fast"]["train/loss:delta"]) < 0
