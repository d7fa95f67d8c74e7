"""``tfwatch export``: every scalar point of every run, as JSON or long-form CSV.

JSON shape (stable, meant to be diffed against other tools)::

    {"runs": {"<run>": {"scalars": {"<tag>": [[step, value], ...]},
                        "hparams": {...},
                        "final_metrics": {"hparam/accuracy": 0.9, ...},
                        "damage": [{"file", "offset", "kind", "skipped_bytes"}],
                        "incomplete_tails": [{"file", "offset", "kind", "pending_bytes"}]}}}

An incomplete tail is the end of a file modified in the last few minutes that holds part
of a record: its writer has not flushed the rest yet, so it is not damage (kind
``incomplete_tail``).

Points are in step order after the restart rule; non-finite values are the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import csv
import json
from typing import IO

import numpy as np

from tfwatch.model.damage import Damage
from tfwatch.store.runs import IncompleteTail, Run
from tfwatch.tag_patterns import matches_any
from tfwatch.text.json_numbers import json_number, json_values
from tfwatch.text.safe_text import unicode_text


def _value_text(v: float) -> str:
    """A point's value as JSON text (``repr`` is JSON's spelling of a finite float)."""
    number = json_number(v)
    return repr(number) if isinstance(number, float) else f'"{number}"'


def _tag_selected(tag: str, patterns: list[str] | None) -> bool:
    return not patterns or matches_any(tag, patterns)


def write_export_json(runs: list[Run], patterns: list[str] | None, out: IO[str]) -> None:
    """Stream the export as JSON (points are written without building one big object)."""
    out.write('{"runs": {')
    for i, run in enumerate(sorted(runs, key=lambda r: r.name)):
        out.write(("," if i else "") + "\n  " + json.dumps(run.name, ensure_ascii=False) + ": {")
        out.write('"scalars": {')
        tags = [t for t in sorted(run.scalars) if _tag_selected(t, patterns)]
        for j, tag in enumerate(tags):
            pts = run.scalars[tag].recent()
            out.write(("," if j else "") + "\n    " + json.dumps(tag, ensure_ascii=False) + ": [")
            steps = pts.steps.tolist()
            values = pts.values.tolist()
            out.write(
                ", ".join(f"[{s}, {_value_text(v)}]" for s, v in zip(steps, values, strict=True))
            )
            out.write("]")
        out.write("},\n    " + '"hparams": ')
        out.write(json.dumps(json_values(run.hparams), ensure_ascii=False, allow_nan=False))
        out.write(',\n    "final_metrics": ')
        out.write(json.dumps(json_values(run.final_metrics), ensure_ascii=False, allow_nan=False))
        out.write(',\n    "damage": ')
        damage = [damage_json(d) for d in run.damage]
        out.write(json.dumps(damage, ensure_ascii=False))
        out.write(',\n    "incomplete_tails": ')
        tails = [incomplete_tail_json(t) for t in run.incomplete_tails()]
        out.write(json.dumps(tails, ensure_ascii=False))
        out.write("}")
    out.write("\n}}\n")


def damage_json(damage: Damage) -> dict[str, object]:
    """A damaged region as JSON (the file name made valid Unicode)."""
    return {
        "file": unicode_text(damage.file),
        "offset": damage.offset,
        "kind": damage.kind,
        "skipped_bytes": damage.skipped_bytes,
    }


def incomplete_tail_json(tail: IncompleteTail) -> dict[str, object]:
    """A file's incomplete tail as JSON, apart from damage (``kind`` says which it is)."""
    return {
        "file": unicode_text(tail.file),
        "offset": tail.offset,
        "kind": "incomplete_tail",
        "pending_bytes": tail.pending_bytes,
    }


def write_export_csv(runs: list[Run], patterns: list[str] | None, out: IO[str]) -> None:
    """Long-form CSV: one line per point (run, tag, step, value, wall_time)."""
    w = csv.writer(out)
    w.writerow(["run", "tag", "step", "value", "wall_time"])
    for run in sorted(runs, key=lambda r: r.name):
        for tag in sorted(run.scalars):
            if not _tag_selected(tag, patterns):
                continue
            pts = run.scalars[tag].recent()
            for s, v, t in zip(
                pts.steps.tolist(),
                pts.values.tolist(),
                np.asarray(pts.wall_times).tolist(),
                strict=True,
            ):
                w.writerow([run.name, tag, s, json_number(v), repr(t)])
