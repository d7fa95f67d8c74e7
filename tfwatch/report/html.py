"""One self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

A Content-Security-Policy forbids scripts and every network fetch, so even a name that
slipped past escaping could not run or load anything. The layout is one column that
fits a phone; wide tables scroll sideways inside their own box.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from tfwatch import __version__
from tfwatch.analysis import Alert
from tfwatch.report.chart_lines import charted
from tfwatch.report.escaping import html_text as h
from tfwatch.report.model import Comparison, MetricSummary
from tfwatch.report.svg_chart import legend_swatch, svg_chart
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

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:72rem;padding:1rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;overflow-wrap:anywhere}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{overflow-wrap:anywhere;min-width:8rem}.spark{font-family:monospace;white-space:pre}
.better{font-weight:600}.worse{font-style:italic}
svg.chart{width:100%;height:auto;max-width:44rem;font:11px sans-serif}
svg.chart .plot{fill:#fff;stroke:#d0d7de}svg.chart .grid{stroke:#eaeef2}
svg.chart .line{fill:none;stroke-width:2}svg.swatch{width:28px;height:8px;margin-right:.3rem}
ul.legend{list-style:none;padding:0;margin:.2rem 0 1rem}ul.legend li{overflow-wrap:anywhere}
footer{margin-top:2rem;color:#57606a;font-size:.85rem}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}
th{background:#161b22}th,td{border-color:#30363d}svg.chart .plot{fill:#0d1117}
svg.chart text{fill:#e6edf3}}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """A table from (class, escaped html) cells, wrapped so it scrolls on a phone."""
    head = "".join(f"<th>{c}</th>" for c in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="{cls}">{text}</td>' for cls, text in row) + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def render_html(report: Comparison) -> str:
    """The whole report as one HTML document."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(report.generated_at))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>tfwatch report</title><style>{_STYLE}</style></head><body>",
        f"<h1>tfwatch report</h1><p>{h(summary_line(report))}</p>",
    ]
    if report.metrics:
        parts.append("<h2>Overview</h2>" + _overview(report))
    parts += [_metric(report, m) for m in report.metrics]
    parts += [_race(report), _hparams(report), _alerts(report.alerts), _damage(report)]
    parts.append(
        f"<footer>tfwatch {h(__version__)} · {stamp} · curves smoothed as in TensorBoard "
        f"(weight {report.smoothing:g}); final and best are raw points.</footer>"
    )
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


def _overview(report: Comparison) -> str:
    header = ["Run"] + [f"{h(m.tag)} (final)" for m in report.metrics]
    rows = []
    for run in report.runs:
        tag = " <strong>(baseline)</strong>" if run.name == report.baseline else ""
        row = [("name", h(run.name) + tag)]
        for m in report.metrics:
            cell = m.cells.get(run.name)
            if cell is None:
                row.append(("n", "-"))
                continue
            text = h(format_value(cell.final))
            if m.best_run == run.name:
                text = f"<strong>{text}</strong> ★"
            delta = delta_text(cell)
            row.append(("n", text + (f"<br>{_delta_html(cell.better, delta)}" if delta else "")))
        rows.append(row)
    return _table(header, rows)


def _delta_html(better: bool | None, text: str) -> str:
    cls = "" if better is None else "better" if better else "worse"
    return f'<span class="{cls}">{h(text)}</span>'


def _metric(report: Comparison, metric: MetricSummary) -> str:
    header, table_rows = metric_table(report, metric)
    rows = []
    for r in table_rows:
        row = [("name", h(r.run)), ("spark", h(r.cell.sparkline))]
        row += [("n", text) for text in r.numbers]
        if r.versus is not None:
            delta, steps = r.versus
            if r.is_baseline:
                row.append(("n", "baseline"))
            else:
                row.append(("n", _delta_html(r.cell.better, delta) if delta else "-"))
            row.append(("n", h(steps)))
        rows.append(row)
    lines, left_out = charted(metric, report.baseline)
    legend = "".join(f"<li>{legend_swatch(i)}{h(line.run)}</li>" for i, line in enumerate(lines))
    more = f"<li>{left_out} more run(s) in the table only</li>" if left_out else ""
    chart = svg_chart(f"{metric.tag} (smoothed)", lines) if lines else ""
    return (
        f"<h2>{h(metric.tag)}</h2><p><em>{direction(metric)}</em></p>"
        + _table(header, rows)
        + chart
        + (f'<ul class="legend">{legend}{more}</ul>' if lines else "")
    )


def _race(report: Comparison) -> str:
    r = report.race
    if r is None:
        return ""
    goal = ("≥ " if r.higher_is_better else "≤ ") + format_value(r.target)
    rows = [
        [
            ("n", str(i)),
            ("name", h(c.run)),
            ("n", format_count(c.step)),
            ("n", format_duration_prose(c.elapsed_s)),
        ]
        for i, c in enumerate(r.reached, 1)
    ]
    rows += [[("n", "-"), ("name", h(n)), ("n", "not reached"), ("n", "-")] for n in r.not_reached]
    intro = f"<p>{h(r.tag)} {h(goal)} ({h(r.origin)}), smoothed curve.</p>"
    return "<h2>Who got there first</h2>" + intro + _table(["#", "Run", "Step", "Wall time"], rows)


def _hparams(report: Comparison) -> str:
    out = ""
    names, finals = report.differing_hparams, report.final_metric_names
    if names or finals:
        # add_hparams' metrics go beside the hparams they were written with.
        rows = [
            [("name", h(r.name))]
            + [("", h(hparam_value(r.hparams.get(n)))) for n in names]
            + [("n", h(hparam_value(r.final_metrics.get(f)))) for f in finals]
            for r in report.runs
        ]
        header = ["Run"] + [h(n) for n in names] + [h(f) for f in finals]
        out += "<h2>Hparams that differ</h2>" + _table(header, rows)
    imp = report.importance
    if imp is not None and imp.effects:
        rows = [
            [("name", h(e.name)), ("n", rho_text(e)), ("n", str(e.n)), ("", e.strength),
             ("", h(effect_reading(e, imp)))]
            for e in imp.effects
        ]  # fmt: skip
        out += (
            f"<h2>Hparam importance for {h(imp.tag)}</h2>"
            "<p>Spearman rank correlation with the final value; n = runs with both.</p>"
            + _table(["Hparam", "ρ", "n", "Strength", "Reading"], rows)
        )
    if imp is not None and imp.best_run is not None:
        config = ", ".join(f"{k}={hparam_value(v)}" for k, v in sorted(imp.best_config.items()))
        out += (
            f"<p><strong>Best configuration so far:</strong> {h(imp.best_run)} — {h(imp.tag)} "
            f"{format_value(imp.best_value)}" + (f" with {h(config)}" if config else "") + ".</p>"
        )
    return out


def _alerts(alerts: Sequence[Alert]) -> str:
    if not alerts:
        return "<h2>Health</h2><p>No health alerts.</p>"
    rows = [
        [("name", h(a.run)), ("", h(kind_label(a.kind))), ("", h(a.tag or "-")),
         ("n", format_count(a.step) if a.step >= 0 else "-"), ("", h(a.message))]
        for a in alerts
    ]  # fmt: skip
    return "<h2>Health alerts</h2>" + _table(["Run", "Alert", "Tag", "Step", "Details"], rows)


def _damage(report: Comparison) -> str:
    """Unreadable regions of the event files: the numbers above come from the rest."""
    rows = [
        [("name", h(r.name)), ("", h(unicode_text(os.path.basename(d.file)))), ("", h(d.kind)),
         ("n", format_count(d.offset)), ("n", format_count(d.skipped_bytes))]
        for r in report.runs
        for d in r.damage
    ]  # fmt: skip
    if not rows:
        return ""
    header = ["Run", "File", "Damage", "At byte", "Bytes skipped"]
    return "<h2>Damaged event files</h2>" + _table(header, rows)
