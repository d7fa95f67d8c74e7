"""``tfwatch report``: compare runs against a baseline, for a PR comment or a file."""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tfwatch.analysis import HealthConfig, is_quality_metric, load_config, parse_target
from tfwatch.analysis.direction import is_eval_metric
from tfwatch.analysis.grouping import GroupBy
from tfwatch.errors import OutputError, UsageError
from tfwatch.report.model import build_comparison
from tfwatch.store.runs import Run
from tfwatch.tag_patterns import matches_any
from tfwatch.text.safe_text import printable

#: Metrics reported when none are named: the quality metrics, at most this many.
DEFAULT_METRICS = 6


def pick_baseline(runs: Sequence[Run], wanted: str | None) -> str | None:
    """The run named ``wanted`` exactly, else the single run its regex matches."""
    if wanted is None:
        return None
    names = sorted(r.name for r in runs)
    if wanted in names:
        return wanted
    try:
        pattern = re.compile(wanted)
    except re.error as e:
        raise UsageError(f"--baseline {wanted!r}: {e}") from e
    hits = [n for n in names if pattern.search(n)]
    if len(hits) != 1:
        found = "no run" if not hits else f"{len(hits)} runs ({', '.join(hits[:5])})"
        raise UsageError(f"--baseline {wanted!r} matches {found}; it must match exactly one")
    return hits[0]


def pick_metrics(runs: Sequence[Run], wanted: Sequence[str] | None, cfg: HealthConfig) -> list[str]:
    """Tags named in ``wanted`` (exactly, or as ``--tags`` patterns name them: see
    :mod:`tfwatch.tag_patterns`); by default the quality metrics (losses, accuracies…),
    or any tags when no name says what it measures: those most runs share first."""
    tags = sorted({t for r in runs for t in r.scalars})
    if wanted:
        picked: list[str] = []
        for w in wanted:
            hits = [t for t in tags if t == w or matches_any(t, [w])]
            if not hits:
                raise UsageError(f"--metric {w!r}: no run logs such a scalar tag")
            picked += [t for t in hits if t not in picked]
        return picked
    shared = runs_per_tag(runs)

    def rank(tag: str) -> tuple[int, bool, bool, str]:
        # The metric most runs share comes first (a comparison over 2 of 62 runs says
        # little); among equally shared ones a loss, an evaluation loss before a
        # training one (what a sweep is judged on), then by name.
        return (-shared[tag], "loss" not in tag.lower(), not is_eval_metric(tag), tag)

    quality = [t for t in tags if is_quality_metric(t, cfg.maximize, cfg.minimize)]
    return sorted(quality or tags, key=rank)[:DEFAULT_METRICS]


def runs_per_tag(runs: Sequence[Run]) -> Counter[str]:
    """How many of ``runs`` log each scalar tag."""
    return Counter(t for r in runs for t in r.scalars)


def chosen_metric_note(runs: Sequence[Run], tags: Sequence[str]) -> str:
    """The stderr line that says which metric the report chose when none was named:
    ``metric: train/loss (shared by 60 of 62 runs; choose with --metric)``."""
    first, shared = tags[0], runs_per_tag(runs)
    also = f"; also reported: {', '.join(printable(t) for t in tags[1:])}" if tags[1:] else ""
    return (
        f"tfwatch: metric: {printable(first)} (shared by {shared[first]} of {len(runs)} "
        f"runs{also}; choose with --metric)"
    )


def render(fmt: str, runs: Sequence[Run], args_metric: Sequence[str] | None, baseline: str | None,
           target: str | None, config_path: str | None, spec: GroupBy | None = None,
           ) -> str:  # fmt: skip
    """The report in ``fmt`` (md, html, json or csv) as a string; ``spec``: with a section
    of group tables and bands (md and html) before the footer."""
    cfg = load_config(config_path)
    tags = pick_metrics(runs, args_metric, cfg)
    if tags and not args_metric:
        print(chosen_metric_note(runs, tags), file=sys.stderr)
    base = pick_baseline(runs, baseline)
    goal = None
    if target is not None:
        try:
            goal = parse_target(target)
        except ValueError as e:
            raise UsageError(str(e)) from e
    report = build_comparison(runs, tags, base, cfg, goal)
    groups = None
    if spec is not None:
        from tfwatch.report.group_section import build_group_report

        groups = build_group_report(runs, spec, tags, cfg.maximize)
    if fmt == "html":
        from tfwatch.report.html import render_html

        page = render_html(report)
        if groups is None:
            return page
        from tfwatch.report.group_section import group_html

        head, footer, tail = page.rpartition("<footer>")
        return head + group_html(groups) + "\n" + footer + tail
    if fmt in ("json", "csv"):
        from tfwatch.report.tabular import write_csv, write_json

        buf = io.StringIO()
        (write_json if fmt == "json" else write_csv)(report, buf)
        return buf.getvalue()
    from tfwatch.report.markdown import render_markdown

    text = render_markdown(report)
    if groups is None:
        return text
    from tfwatch.report.group_section import group_markdown

    head, footer, tail = text.rpartition("<sub>tfwatch")
    return head + group_markdown(groups) + "\n" + footer + tail


def write_report(text: str, output: str | None) -> None:
    """Write to ``output`` (a file) or stdout."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as e:
        raise OutputError(f"{output}: {e.strerror or e}") from e


def run_report(
    roots: Sequence[str],
    fmt: str = "md",
    metrics: Sequence[str] | None = None,
    baseline: str | None = None,
    target: str | None = None,
    output: str | None = None,
    config_path: str | None = None,
    run_pattern: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    spec: GroupBy | None = None,
) -> int:
    """The ``report`` subcommand: load ``roots`` once, render, write; returns the status."""
    from tfwatch.loading import load_once

    # Every point is kept: the report reads whole curves once, and crossing steps
    # must not depend on how the store thins old points.
    tailer = load_once(
        roots, retain_all=True, run_pattern=run_pattern, storage_options=storage_options
    )
    runs = list(tailer.runs.values())
    if not runs:
        raise UsageError("no run matches --run")
    write_report(render(fmt, runs, metrics, baseline, target, config_path, spec), output)
    return 0
