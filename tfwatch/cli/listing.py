"""``tfwatch ls``: one row per run, as a table, JSON or CSV."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from tfwatch.store.runs import Run
from tfwatch.tag_patterns import select_tags
from tfwatch.text.durations import format_age
from tfwatch.text.json_numbers import json_number, json_values
from tfwatch.text.numbers import format_count, format_value
from tfwatch.text.safe_text import printable, unicode_text

if TYPE_CHECKING:
    from tfwatch.system.linkage import RunFiles
    from tfwatch.system.run_state import RunProgress


@dataclass
class Listed:
    """What ``ls`` takes from a run, made where the run was read (a worker process, in
    a parallel load): its row, with the figures of its tags that ``--tags`` matches, and
    the inputs of its state."""

    row: dict[str, Any]
    inputs: tuple[RunFiles, RunProgress]
    #: The run's scalar tags when ``--tags`` was given (to warn of a pattern naming none).
    tags: tuple[str, ...] = ()


def listed(patterns: list[str] | None, run: Run) -> Listed:
    """A run's :class:`Listed` (``functools.partial`` binds the patterns: a summary
    function that worker processes can be handed)."""
    from tfwatch.live.run_inputs import run_inputs

    row = run_row(run, select_tags(run.scalars, patterns))
    return Listed(row, run_inputs(run), tuple(run.scalars) if patterns else ())


def finished_row(row: dict[str, Any], tags: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """A :class:`Listed` row with ``extra`` fields (state, writer) and only ``tags``'
    figures, in :func:`run_row`'s order."""
    metrics = row["metrics"]
    out = {k: v for k, v in row.items() if k != "metrics"}
    out.update(extra)
    out["metrics"] = {t: metrics[t] for t in tags if t in metrics}
    return out


def run_row(run: Run, tags: list[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plain-data summary of a run that every output format renders."""
    row: dict[str, Any] = {
        "name": run.name,
        "root": run.root,
        "path": unicode_text(run.path),
        "last_step": run.last_step,
        # When the data was last logged (the app's "upd" column: the same function).
        "last_write": run.last_update() or None,
        "scalar_tags": len(run.scalars),
        "points": run.points,
        "events": run.events,
        "files": len(run.files),
        "damage": len(run.damage),
        # Files whose last record is still being written: not damage (see --help).
        "incomplete_tails": len(run.incomplete_tails()),
        "gone": run.gone,
        "hparams": json_values(run.hparams),
        "final_metrics": json_values(run.final_metrics),
    }
    if extra:
        row.update(extra)
    metrics: dict[str, Any] = {}
    for tag in tags:
        s = run.scalars.get(tag)
        if s is not None:
            metrics[tag] = {
                "last": json_number(s.last_value),
                "min": json_number(s.min_value),
                "max": json_number(s.max_value),
                "last_step": s.last_step,
            }
    row["metrics"] = metrics
    return row


def write_json(rows: list[dict[str, Any]], out: IO[str]) -> None:
    import json  # (as csv below: only the format asked for is loaded)

    json.dump({"runs": rows}, out, indent=2, allow_nan=False, ensure_ascii=False)
    out.write("\n")


def write_csv(rows: list[dict[str, Any]], tags: list[str], out: IO[str]) -> None:
    base = ["name", "last_step", "last_write", "scalar_tags", "points", "files", "damage"]
    extra = [k for k in ("state", "pid") if rows and k in rows[0]]
    header = base + extra + [f"{t}:{k}" for t in tags for k in ("last", "min", "max")]
    import csv

    w = csv.writer(out)
    w.writerow(header)
    for row in rows:
        line = [row[k] if row[k] is not None else "" for k in base + extra]
        for t in tags:
            m = row["metrics"].get(t)
            line += [m[k] for k in ("last", "min", "max")] if m else ["", "", ""]
        w.writerow(line)


def write_table(rows: list[dict[str, Any]], tags: list[str], out: IO[str]) -> None:
    """An aligned plain-text table; names are escaped, never sent raw to the terminal."""
    now = time.time()
    head = ["RUN", "STEP", "UPDATED", "TAGS", "POINTS"]
    if rows and "state" in rows[0]:
        head.insert(1, "STATE")
    for t in tags:
        head += [f"{printable(t)} last", "min", "max"]
    table = [head]
    for row in rows:
        line = [printable(row["name"]) + (" (gone)" if row["gone"] else "")]
        if "state" in row:
            line.append(str(row["state"]))
        age = now - row["last_write"] if row["last_write"] else -1
        line += [
            format_count(row["last_step"]),
            format_age(age),
            str(row["scalar_tags"]),
            format_count(row["points"]),
        ]
        for t in tags:
            m = row["metrics"].get(t)
            if m:
                line += [format_value(float(m[k])) for k in ("last", "min", "max")]
            else:
                line += ["-", "-", "-"]
        table.append(line)
    write_aligned(table, out)
    damaged = sum(row["damage"] for row in rows)
    if damaged:
        out.write(f"\n{damaged} damaged region(s) skipped; `tfwatch export` lists them.\n")
    tails = sum(row["incomplete_tails"] for row in rows)
    if tails:
        out.write(
            f"\n{tails} file(s) end in an incomplete tail (still being written); "
            "read again on the next poll, not damage.\n"
        )


def write_aligned(table: list[list[str]], out: IO[str]) -> None:
    """Rows of cells, the first column left-aligned and the others right-aligned, two
    spaces apart (the header is the first row)."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        out.write("  ".join(cells).rstrip() + "\n")


def emit(rows: list[dict[str, Any]], tags: list[str], fmt: str, out: IO[str] | None = None) -> None:
    """Write ``rows`` in ``fmt`` (table, json, csv) to ``out`` (standard output)."""
    out = sys.stdout if out is None else out
    if fmt == "json":
        write_json(rows, out)
    elif fmt == "csv":
        write_csv(rows, tags, out)
    else:
        write_table(rows, tags, out)
