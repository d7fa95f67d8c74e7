"""``report --group-by``: a section of group tables and band charts.

For each metric, one table row per group: its run count, the members' last values as
``mean ± std`` (over the finite ones, with how many that was), their min and max, and
the mean of their best values; then a chart of each group's mean with its min and max
over the members' aligned steps (:func:`~tfwatch.analysis.group_stats.aligned_band`,
which narrows to the members that reached each step). Markdown draws the three lines in
Mermaid (min and max dotted in the legend's words, as Mermaid has no fill); HTML shades
the band in SVG. Every name goes through the renderers' escaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tfwatch.analysis.direction import higher_is_better
from tfwatch.analysis.group_stats import Band, MetricStats, aligned_band
from tfwatch.analysis.grouping import GroupBy, group_runs, key_label
from tfwatch.report.chart_lines import PALETTE
from tfwatch.report.escaping import html_text, mermaid_label
from tfwatch.report.escaping import markdown_text as md
from tfwatch.store.runs import Run
from tfwatch.text.numbers import format_count, format_value

#: Groups drawn per chart (three lines each in Mermaid); the table lists them all.
CHART_GROUPS = 4
#: Points per band line (Markdown) and per band edge (HTML).
MD_POINTS, HTML_POINTS = 40, 160
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 36


@dataclass(frozen=True)
class GroupFigures:
    """One group: its label, its runs, and per metric its statistics and bands."""

    label: str
    runs: tuple[str, ...]
    stats: dict[str, MetricStats]
    #: (Markdown grid, HTML grid) bands per metric.
    bands: dict[str, tuple[Band, Band]]


@dataclass(frozen=True)
class GroupReport:
    """Every group of the report, sorted by label."""

    grouping: str
    tags: tuple[str, ...]
    groups: tuple[GroupFigures, ...]


def build_group_report(
    runs: Sequence[Run], spec: GroupBy, tags: Sequence[str], maximize: Sequence[str] = ()
) -> GroupReport:
    """The groups of ``runs`` by ``spec`` with their figures for ``tags``."""
    by_name = {r.name: r for r in runs}
    keyed = group_runs(spec, ((r.name, r.hparams) for r in sorted(runs, key=lambda r: r.name)))
    groups = []
    for key in sorted(keyed, key=key_label):
        members = [by_name[n] for n in keyed[key]]
        stats: dict[str, MetricStats] = {}
        bands: dict[str, tuple[Band, Band]] = {}
        for tag in tags:
            series = [m.scalars[tag] for m in members if tag in m.scalars and m.scalars[tag].count]
            if not series:
                continue
            higher = higher_is_better(tag, tuple(maximize))
            stats[tag] = MetricStats.of(
                [s.last_value for s in series], [s.best(higher)[0] for s in series]
            )
            pairs = [(r.steps, r.values) for r in (s.recent() for s in series)]
            bands[tag] = (aligned_band(pairs, MD_POINTS), aligned_band(pairs, HTML_POINTS))
        groups.append(GroupFigures(key_label(key), tuple(keyed[key]), stats, bands))
    return GroupReport(spec.label, tuple(tags), tuple(groups))


def _spread(s: MetricStats) -> str:
    text = format_value(s.last_mean)
    return text + (f" ± {format_value(s.last_std)}" if s.n >= 2 else "")


def _rows(report: GroupReport, tag: str) -> list[list[str]]:
    rows = []
    for g in report.groups:
        s = g.stats.get(tag)
        if s is None:
            rows.append([g.label, str(len(g.runs)), "-", "-", "-", "-"])
            continue
        n = f"{s.n}/{s.count}"
        rows.append(
            [g.label, n, _spread(s), format_value(s.last_min), format_value(s.last_max),
             format_value(s.best_mean)]
        )  # fmt: skip
    return rows


HEADER = ("Group", "n", "last (mean ± std)", "min", "max", "best (mean)")


def group_markdown(report: GroupReport) -> str:
    """The section in Markdown (tables and Mermaid charts)."""
    out = [f"### Groups (by {md(report.grouping)})", ""]
    for tag in report.tags:
        out += [f"#### {md(tag)}", ""]
        out.append("| " + " | ".join(HEADER) + " |")
        out.append("|---|--:|--:|--:|--:|--:|")
        for row in _rows(report, tag):
            out.append("| " + " | ".join([md(row[0]), *row[1:]]) + " |")
        out += ["", *_mermaid(report, tag)]
    return "\n".join(out) + "\n"


def _mermaid(report: GroupReport, tag: str) -> list[str]:
    drawn = [(g, g.bands[tag][0]) for g in report.groups if tag in g.bands][:CHART_GROUPS]
    drawn = [(g, b) for g, b in drawn if len(b)]
    if not drawn:
        return []
    steps = np.unique(np.concatenate([b.steps for _, b in drawn]))
    grid = np.linspace(float(steps[0]), float(steps[-1]), MD_POINTS)
    lines: list[tuple[str, list[float]]] = []
    colours = []
    for i, (_, band) in enumerate(drawn):
        colour = PALETTE[i % len(PALETTE)][1]
        for edge in (band.low, band.mean, band.high):
            lines.append((colour, _held(band.steps, edge, grid)))
            colours.append(colour)
    finite = [v for _, vs in lines for v in vs if math.isfinite(v)]
    if not finite:
        return []
    lo, hi = min(finite), max(finite)
    if hi <= lo:
        hi = lo + 1.0
    label = mermaid_label(tag)
    chart = [
        "````mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "'
        + ", ".join(colours)
        + '"}}}}%%',
        "xychart-beta",
        f'    title "{label}: group mean, min and max"',
        f'    x-axis "step" {int(grid[0])} --> {int(grid[-1])}',
        f'    y-axis "{label}" {lo:.6g} --> {hi:.6g}',
    ]
    for _, values in lines:
        shown = [v if math.isfinite(v) else lo for v in values]
        chart.append("    line [" + ", ".join(f"{v:.6g}" for v in shown) + "]")
    chart += ["````", ""]
    legend = []
    for i, (g, band) in enumerate(drawn):
        narrows = ", ".join(f"{c} from step {format_count(s)}" for s, c in band.narrows_at)
        note = f"; runs left: {narrows}" if narrows else ""
        if int(band.steps[-1]) < int(grid[-1]):
            note += f"; ends at step {format_count(int(band.steps[-1]))}"
        legend.append(
            f"{PALETTE[i % len(PALETTE)][0]}: {md(g.label)} "
            f"({band.members} runs: min, mean, max{note})"
        )
    more = len([g for g in report.groups if tag in g.bands]) - len(drawn)
    tail = f" ({more} more group(s) in the table only)" if more > 0 else ""
    return [*chart, "Bands — " + " · ".join(legend) + tail, ""]


def _held(steps: np.ndarray, values: np.ndarray, grid: np.ndarray) -> list[float]:
    """``values`` on ``grid``: the last value at or before each grid step (the first one
    before it starts). Past its last step a band stays flat, as Mermaid draws no gaps:
    the legend says where it ends."""
    at = np.clip(np.searchsorted(steps, grid, side="right") - 1, 0, None)
    return [float(v) for v in values[at]]


def group_html(report: GroupReport) -> str:
    """The section in HTML (tables and shaded SVG bands)."""
    parts = [f"<h2>Groups (by {html_text(report.grouping)})</h2>"]
    for tag in report.tags:
        parts.append(f"<h3>{html_text(tag)}</h3>")
        head = "".join(f"<th>{html_text(c)}</th>" for c in HEADER)
        body = "".join(
            "<tr>" + f'<td class="name">{html_text(r[0])}</td>'
            + "".join(f'<td class="n">{html_text(c)}</td>' for c in r[1:]) + "</tr>"
            for r in _rows(report, tag)
        )  # fmt: skip
        parts.append(
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
        parts.append(_svg_bands(report, tag))
    return "\n".join(p for p in parts if p)


def _svg_bands(report: GroupReport, tag: str) -> str:
    drawn = [(g, g.bands[tag][1]) for g in report.groups if tag in g.bands and len(g.bands[tag][1])]
    drawn = drawn[: len(PALETTE)]
    if not drawn:
        return ""
    edges = np.concatenate([np.concatenate([b.low, b.high]) for _, b in drawn])
    edges = edges[np.isfinite(edges)]
    if not edges.shape[0]:
        return ""
    y0, y1 = float(edges.min()), float(edges.max())
    y1 = y1 if y1 > y0 else y0 + 1.0
    x0 = float(min(b.steps[0] for _, b in drawn))
    x1 = float(max(b.steps[-1] for _, b in drawn))
    x1 = x1 if x1 > x0 else x0 + 1.0
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(s: float) -> float:
        return LEFT + (s - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return TOP + (1 - (v - y0) / (y1 - y0)) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart"><title>{html_text(tag)}: group bands</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="plot"/>',
    ]
    for i in range(5):
        yv = y0 + i / 4 * (y1 - y0)
        xs = x0 + i / 4 * (x1 - x0)
        parts.append(f'<text x="{LEFT - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">'
                     f"{format_value(yv)}</text>")  # fmt: skip
        parts.append(f'<text x="{px(xs):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                     f"{format_count(round(xs))}</text>")  # fmt: skip
    legend = []
    for i, (g, band) in enumerate(drawn):
        colour = PALETTE[i % len(PALETTE)][1]
        ok = np.isfinite(band.low) & np.isfinite(band.high)
        s, lo, hi = band.steps[ok], band.low[ok], band.high[ok]
        if s.shape[0]:
            upper = [f"{px(float(a)):.1f},{py(float(b)):.1f}" for a, b in zip(s, hi, strict=True)]
            lower = [f"{px(float(a)):.1f},{py(float(b)):.1f}" for a, b in zip(s, lo, strict=True)]
            parts.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{colour}" '
                         'fill-opacity="0.2" stroke="none"/>')  # fmt: skip
        m = np.isfinite(band.mean)
        pts = " ".join(
            f"{px(float(a)):.1f},{py(float(b)):.1f}"
            for a, b in zip(band.steps[m], band.mean[m], strict=True)
        )
        parts.append(f'<polyline points="{pts}" stroke="{colour}" class="line"/>')
        narrows = ", ".join(f"{c} from step {format_count(st)}" for st, c in band.narrows_at)
        legend.append(
            f'<li><span style="color:{colour}">■</span> {html_text(g.label)} '
            f"({band.members} runs{html_text('; runs left: ' + narrows) if narrows else ''})</li>"
        )
    parts.append("</svg>")
    return "".join(parts) + '<ul class="legend">' + "".join(legend) + "</ul>"
