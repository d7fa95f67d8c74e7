"""``tfwatch ls --group-by``: one row per group of runs, as a table or JSON.

Built from ``ls``'s own run rows (each tag's last, min and max), so a group's figures
are the figures ``ls`` prints for its runs: a run's best is its min or its max, by the
tag's direction (:func:`~tfwatch.analysis.direction.higher_is_better`). Statistics are
:class:`~tfwatch.analysis.group_stats.MetricStats`: over the members whose last value
is finite, with ``n`` and ``nonfinite`` saying how many were and were not.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from tfwatch.analysis.direction import higher_is_better
from tfwatch.analysis.group_stats import MetricStats
from tfwatch.analysis.grouping import GroupBy, group_runs, key_label
from tfwatch.cli.listing import write_aligned
from tfwatch.tag_patterns import select_tags
from tfwatch.text.json_numbers import json_number
from tfwatch.text.numbers import format_value
from tfwatch.text.safe_text import printable

#: The figures of one metric of one group, in output order.
FIELDS = ("last_mean", "last_std", "last_min", "last_max", "best_mean")


def group_table(
    rows: Sequence[Mapping[str, Any]],
    spec: GroupBy,
    tags: Sequence[str],
    maximize: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The groups of ``ls``'s run ``rows`` by ``spec``, sorted by label, each with the
    statistics of ``tags`` (JSON-ready: non-finite numbers spelled as ``export`` does)."""
    by_name = {r["name"]: r for r in rows}
    grouped = group_runs(spec, ((r["name"], r.get("hparams", {})) for r in rows))
    out: list[dict[str, Any]] = []
    for key in sorted(grouped, key=key_label):
        names = sorted(grouped[key])
        metrics: dict[str, Any] = {}
        for tag in tags:
            higher = higher_is_better(tag, tuple(maximize))
            have = [by_name[n]["metrics"][tag] for n in names if tag in by_name[n]["metrics"]]
            if not have:
                continue
            lasts = [float(m["last"]) for m in have]
            bests = [float(m["max"] if higher else m["min"]) for m in have]
            stats = MetricStats.of(lasts, bests)
            figures: dict[str, Any] = {f: json_number(getattr(stats, f)) for f in FIELDS}
            figures.update(n=stats.n, nonfinite=stats.nonfinite)
            metrics[tag] = figures
        out.append(
            {
                "key": {k: json_number(v) if isinstance(v, float) else v for k, v in key},
                "label": key_label(key),
                "runs": names,
                "count": len(names),
                "metrics": metrics,
            }
        )
    return out


def write_groups_json(groups: list[dict[str, Any]], out: IO[str]) -> None:
    """``{"groups": [...]}``, as ``ls --json`` writes ``{"runs": [...]}``."""
    json.dump({"groups": groups}, out, indent=2, allow_nan=False, ensure_ascii=False)
    out.write("\n")


def write_groups_table(groups: list[dict[str, Any]], tags: Sequence[str], out: IO[str]) -> None:
    """An aligned table: the group, its run count, then per tag ``mean±std``, min, max,
    the mean of the bests and the members with a finite last value."""
    head = ["GROUP", "RUNS"]
    for t in tags:
        head += [f"{printable(t)} mean±std", "min", "max", "best", "n"]
    table = [head]
    for g in groups:
        line = [printable(g["label"]), str(g["count"])]
        for t in tags:
            m = g["metrics"].get(t)
            if m is None:
                line += ["-"] * 5
                continue
            mean, std = float(m["last_mean"]), float(m["last_std"])
            spread = (
                f"{format_value(mean)}±{format_value(std)}" if m["n"] >= 2 else format_value(mean)
            )
            line += [
                spread,
                format_value(float(m["last_min"])),
                format_value(float(m["last_max"])),
                format_value(float(m["best_mean"])),
                f"{m['n']}/{m['n'] + m['nonfinite']}",
            ]
        table.append(line)

    write_aligned(table, out)


def emit_groups(
    rows: Sequence[Mapping[str, Any]],
    spec: GroupBy,
    patterns: Sequence[str] | None,
    fmt: str,
    out: IO[str] | None = None,
) -> None:
    """Print the groups of ``rows``: the tags ``--tags`` names, else the tag the app's
    first column would show (the most common ``*loss*`` tag)."""
    from tfwatch.live.snapshot_builder import default_metrics

    counts = Counter(t for r in rows for t in r["metrics"])
    tags = select_tags(counts, patterns) if patterns else list(default_metrics(counts))
    groups = group_table(rows, spec, tags)
    out = sys.stdout if out is None else out
    if fmt == "json":
        write_groups_json(groups, out)
    else:
        write_groups_table(groups, tags, out)
