"""GitHub-flavoured Markdown for a pull-request comment: tables and Mermaid charts.

Every string from an event file goes through :func:`markdown_text` (or
:func:`mermaid_label` inside a chart), so a run named ``a|b`` or ``<script>`` stays text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from tfwatch import __version__
from tfwatch.analysis import Alert
from tfwatch.report.chart_lines import (
    PALETTE,
    charted,
    clipped_points,
    clipping_note,
    on_grid,
    value_range,
)
from tfwatch.report.escaping import markdown_text as md
from tfwatch.report.escaping import mermaid_label
from tfwatch.report.model import Comparison, MetricSummary
from tfwatch.report.wording import (
    delta_text,
    direction,
    effect_reading,
    hparam_value,
    kind_label,
    metric_table,
    rho_text,
    summary_line,
)
from tfwatch.text.durations import format_duration_prose
from tfwatch.text.numbers import format_count, format_value
from tfwatch.text.safe_text import unicode_text

#: Points per Mermaid line: enough for the shape, few enough to keep the comment short.
GRID_POINTS = 40


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A GFM table from cells that are already escaped; columns in ``right`` align right."""
    align = ["--:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c or " " for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Comparison) -> str:
    """The whole report as one Markdown document."""
    out = ["## tfwatch report", "", md(summary_line(report)), ""]
    if report.metrics:
        out += ["### Overview", "", _overview(report), ""]
    for metric in report.metrics:
        out += _metric_section(report, metric)
    out += _race(report)
    out += _hparams(report)
    out += _alerts(report.alerts)
    out += _damage(report)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(report.generated_at))
    out += [
        f"<sub>tfwatch {__version__} · {stamp} · curves smoothed as in TensorBoard "
        f"(weight {report.smoothing:g}); final and best are raw points.</sub>",
        "",
    ]
    return "\n".join(out)


def _overview(report: Comparison) -> str:
    header = ["Run"] + [f"{md(m.tag)} (final)" for m in report.metrics]
    rows = []
    for run in report.runs:
        name = md(run.name) + (" **(baseline)**" if run.name == report.baseline else "")
        row = [name]
        for m in report.metrics:
            cell = m.cells.get(run.name)
            if cell is None:
                row.append("-")
                continue
            text = format_value(cell.final)
            if m.best_run == run.name:
                text = f"**{text}** ★"
            delta = delta_text(cell)
            row.append(text + (f" {md(delta)}" if delta else ""))
        rows.append(row)
    return table(header, rows, right=range(1, len(header)))


def _metric_section(report: Comparison, metric: MetricSummary) -> list[str]:
    out = [f"### {md(metric.tag)}", "", f"_{direction(metric)}_", ""]
    header, table_rows = metric_table(report, metric)
    rows = []
    for r in table_rows:
        row = [md(r.run), f"`{r.cell.sparkline}`", *r.numbers]
        if r.versus is not None:
            delta, steps = r.versus
            row += ["baseline" if r.is_baseline else md(delta) or "-", md(steps)]
        rows.append(row)
    out += [table(header, rows, right=(2, 3, 4, 6)), ""]
    out += _chart(report, metric)
    return out


def _chart(report: Comparison, metric: MetricSummary) -> list[str]:
    lines, left_out = charted(metric, report.baseline)
    if not lines:
        return []
    grid, values, held = on_grid(lines, GRID_POINTS)
    lo, hi, clipped = value_range(values)
    colours = ", ".join(hex_ for _, hex_ in PALETTE[: len(lines)])
    label = mermaid_label(metric.tag)
    chart = [
        "````mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + colours + '"}}}}%%',
        "xychart-beta",
        f'    title "{label} (smoothed)"',
        f'    x-axis "step" {int(grid[0])} --> {int(grid[-1])}',
        f'    y-axis "{label}" {lo:.6g} --> {hi:.6g}',
    ]
    for v in values:
        clamped = [min(max(x, lo), hi) if x == x else lo for x in v.tolist()]
        chart.append("    line [" + ", ".join(f"{x:.6g}" for x in clamped) + "]")
    chart += ["````", ""]
    legend = []
    for (colour, _), line, extended in zip(PALETTE, lines, held, strict=False):
        note = ""
        if extended:
            note = f" (ends at step {format_count(_last_finite_step(line.steps, line.values))})"
        legend.append(f"{colour}: {md(line.run)}{note}")
    notes = []
    if clipped:
        # Clamped points lie flat on the axis' edge: say how many, and how far they went.
        beyond = [c for v in values for c in clipped_points(grid.tolist(), v.tolist(), lo, hi)]
        note = clipping_note(beyond, lo, hi, lambda v: f"{v:.6g}")  # as the axis says
        notes.append(note or "y axis clipped to the bulk of the values")
    if left_out:
        notes.append(f"{left_out} more run(s) in the table only")
    chart.append("Lines — " + " · ".join(legend) + (f" ({'; '.join(notes)})" if notes else ""))
    return [*chart, ""]


def _last_finite_step(steps: tuple[int, ...], values: tuple[float, ...]) -> int:
    finite = [s for s, v in zip(steps, values, strict=True) if v == v]
    return finite[-1] if finite else -1


def _race(report: Comparison) -> list[str]:
    r = report.race
    if r is None:
        return []
    goal = ("≥ " if r.higher_is_better else "≤ ") + format_value(r.target)
    out = [
        "### Who got there first",
        "",
        f"{md(r.tag)} {goal} ({md(r.origin)}), smoothed curve.",
        "",
    ]
    rows = [
        [str(i), md(c.run), format_count(c.step), format_duration_prose(c.elapsed_s)]
        for i, c in enumerate(r.reached, 1)
    ]
    rows += [["-", md(name), "not reached", "-"] for name in r.not_reached]
    out += [table(["#", "Run", "Step", "Wall time"], rows, right=(0, 2, 3)), ""]
    fastest = r.fastest_in_time
    if fastest is not None and r.reached and fastest.run != r.reached[0].run:
        took = format_duration_prose(fastest.elapsed_s)
        out += [f"Fastest in wall time: {md(fastest.run)} ({took}).", ""]
    return out


def _hparams(report: Comparison) -> list[str]:
    out: list[str] = []
    names, finals = report.differing_hparams, report.final_metric_names
    if names or finals:
        # add_hparams' metrics go beside the hparams they were written with.
        header = ["Run"] + [md(n) for n in names] + [md(f) for f in finals]
        rows = [
            [md(r.name)]
            + [md(hparam_value(r.hparams.get(n))) for n in names]
            + [md(hparam_value(r.final_metrics.get(f))) for f in finals]
            for r in report.runs
        ]
        out += ["### Hparams that differ", "", table(header, rows), ""]
    imp = report.importance
    if imp is not None and imp.effects:
        rows = [
            [md(e.name), rho_text(e), str(e.n), e.strength, md(effect_reading(e, imp))]
            for e in imp.effects
        ]
        out += [
            f"### Hparam importance for {md(imp.tag)}",
            "",
            "Spearman rank correlation with the final value; n = runs with both.",
            "",
            table(["Hparam", "ρ", "n", "Strength", "Reading"], rows, right=(1, 2)),
            "",
        ]
    if imp is not None and imp.best_run is not None:
        config = ", ".join(f"{k}={hparam_value(v)}" for k, v in sorted(imp.best_config.items()))
        out += [
            f"**Best configuration so far:** {md(imp.best_run)} — {md(imp.tag)} "
            f"{format_value(imp.best_value)}" + (f" with {md(config)}" if config else "") + ".",
            "",
        ]
    return out


def _alerts(alerts: Sequence[Alert]) -> list[str]:
    if not alerts:
        return ["### Health", "", "No health alerts.", ""]
    rows = [
        [md(a.run), md(kind_label(a.kind)), md(a.tag or "-"),
         format_count(a.step) if a.step >= 0 else "-", md(a.message)]
        for a in alerts
    ]  # fmt: skip
    return ["### Health alerts", "", table(["Run", "Alert", "Tag", "Step", "Details"], rows), ""]


def _damage(report: Comparison) -> list[str]:
    """Unreadable regions of the event files: the numbers above come from the rest."""
    rows = [
        [md(r.name), md(unicode_text(os.path.basename(d.file))), md(d.kind),
         format_count(d.offset), format_count(d.skipped_bytes)]
        for r in report.runs
        for d in r.damage
    ]  # fmt: skip
    if not rows:
        return []
    header = ["Run", "File", "Damage", "At byte", "Bytes skipped"]
    return ["### Damaged event files", "", table(header, rows, right=(3, 4)), ""]
