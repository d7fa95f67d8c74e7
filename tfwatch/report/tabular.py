"""The comparison as JSON (everything, for other tools) or CSV (one row per run)."""

from __future__ import annotations

import csv
import json
import math
from typing import IO, Any

from tfwatch.report.escaping import csv_cell
from tfwatch.report.model import Comparison, MetricCell
from tfwatch.text.json_numbers import json_number, json_values
from tfwatch.text.safe_text import unicode_text

#: Per-metric CSV columns, in order.
CELL_FIELDS = ("final", "best", "best_step", "delta", "delta_ratio", "better", "steps_to_baseline")


def _num(value: float | None) -> float | str | None:
    return None if value is None else json_number(value)


def cell_dict(cell: MetricCell) -> dict[str, Any]:
    """One cell as JSON-ready data (non-finite numbers as strings)."""
    return {
        "final": _num(cell.final),
        "final_step": cell.final_step,
        "best": _num(cell.best),
        "best_step": cell.best_step if cell.best_step >= 0 else None,
        "points": cell.points,
        "delta": _num(cell.delta),
        "delta_ratio": _num(cell.delta_ratio),
        "better": cell.better,
        "steps_to_baseline": cell.steps_to_baseline,
        "sparkline": cell.sparkline,
    }


def comparison_dict(report: Comparison) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    imp = report.importance
    race = report.race
    return {
        "generated_at": report.generated_at,
        "smoothing": report.smoothing,
        "baseline": report.baseline,
        "runs": [
            {
                "name": r.name,
                "path": unicode_text(r.path),
                "last_step": r.last_step,
                "hparams": r.hparams,
                "final_metrics": json_values(r.final_metrics),
                "damage": [
                    {
                        "file": unicode_text(d.file),
                        "offset": d.offset,
                        "kind": d.kind,
                        "skipped_bytes": d.skipped_bytes,
                    }
                    for d in r.damage
                ],
            }
            for r in report.runs
        ],
        "differing_hparams": list(report.differing_hparams),
        "metrics": [
            {
                "tag": m.tag,
                "higher_is_better": m.higher_is_better,
                "best_run": m.best_run,
                "baseline_target": _num(m.baseline_target),
                "runs": {run: cell_dict(c) for run, c in m.cells.items()},
            }
            for m in report.metrics
        ],
        "alerts": [a.to_dict() for a in report.alerts],
        "hparam_importance": None
        if imp is None
        else {
            "tag": imp.tag,
            "best_run": imp.best_run,
            "best_value": _num(imp.best_value),
            "best_config": imp.best_config,
            "effects": [
                {
                    "name": e.name,
                    "n": e.n,
                    "rho": None if e.rho is None or math.isnan(e.rho) else e.rho,
                    "best_level": e.best_level,
                }
                for e in imp.effects
            ],
        },
        "first_to_reach": None
        if race is None
        else {
            "tag": race.tag,
            "target": race.target,
            "target_origin": race.origin,
            "reached": [
                {"run": c.run, "step": c.step, "elapsed_s": c.elapsed_s} for c in race.reached
            ],
            "not_reached": list(race.not_reached),
        },
    }


def write_json(report: Comparison, out: IO[str]) -> None:
    """The report as one JSON document (strict JSON: no bare NaN)."""
    json.dump(comparison_dict(report), out, indent=2, allow_nan=False, ensure_ascii=False)
    out.write("\n")


def write_csv(report: Comparison, out: IO[str]) -> None:
    """One row per run: its differing hparams, then each metric's columns ``tag:field``."""
    hp = list(report.differing_hparams)
    header = ["run", "baseline"] + [f"hparam:{h}" for h in hp]
    header += [f"{m.tag}:{f}" for m in report.metrics for f in CELL_FIELDS]
    w = csv.writer(out)
    w.writerow([csv_cell(h) for h in header])
    for run in report.runs:
        row: list[Any] = [csv_cell(run.name), run.name == report.baseline]
        row += [csv_cell(str(run.hparams[h])) if h in run.hparams else "" for h in hp]
        for m in report.metrics:
            cell = m.cells.get(run.name)
            data = cell_dict(cell) if cell else {}
            row += ["" if data.get(f) is None else data[f] for f in CELL_FIELDS]
        w.writerow(row)
