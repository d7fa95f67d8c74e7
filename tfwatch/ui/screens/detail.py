"""``enter``: one run in full: a small chart per scalar tag, hparams, files, damage; opened
from an alert, the alert's rule and numbers on top, its step marked on its tag's chart, and
the histograms its rule read as heat strips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tfwatch.live.run_copies import RunDetail
from tfwatch.model.alerts import Alert
from tfwatch.text.numbers import format_count, format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.columns import alert_style
from tfwatch.ui.screens.chart_controls import CHART_BINDINGS, ChartControls
from tfwatch.ui.screens.process import RunProcess, process_text
from tfwatch.ui.widgets.charts import ChartOptions, draw, nonfinite_note, x_values
from tfwatch.ui.widgets.footer import AdaptiveFooter
from tfwatch.ui.widgets.histogram_strip import heat_strip


def evidence_line(alert: Alert) -> Text:
    """The alert the screen was opened from: its rule and numbers, on one line."""
    text = Text("▶ ", style="bold")
    text.append(alert.kind, style=alert_style(alert.kind))
    where = f"{alert.tag}@{alert.step:,}" if alert.tag and alert.step >= 0 else alert.tag
    if where:
        text.append(f" · {printable(where)}", style="cyan")
    text.append(f" · {printable(alert.message)}")
    return text


def evidence_histograms(alert: Alert, detail: RunDetail) -> list[str]:
    """The histogram tags to show for ``alert``: the frozen tag itself; for an exploding
    gradient, the run's histograms (gradients first)."""
    tags = [t for t in detail.histograms if t in detail.histogram_points]
    if alert.kind == "frozen":
        return [alert.tag] if alert.tag in tags else []
    if alert.kind == "exploding_grad":
        return sorted(tags, key=lambda t: "grad" not in t.lower())[:4]
    return []


def info_table(detail: RunDetail) -> Table:
    """Path, counts and hparams."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row("path", Text(printable(detail.path)))
    table.add_row("events", format_count(detail.events))
    for key, value in sorted(detail.hparams.items()):
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        table.add_row(Text(f"hparam {printable(key)}"), Text(printable(shown)))
    for key, metric in sorted(detail.final_metrics.items()):
        table.add_row(Text(f"final {printable(key)}"), Text(format_value(metric)))
    if detail.histograms:
        table.add_row("histograms", Text(printable(", ".join(detail.histograms))))
    if detail.text_tags:
        table.add_row("text", Text(printable(", ".join(detail.text_tags))))
    if detail.image_tags:
        table.add_row("images", Text(printable(", ".join(detail.image_tags))))
    return table


def files_table(detail: RunDetail) -> Table:
    """Event files with read position and writer, then damage reports."""
    table = Table(title="files", title_justify="left", box=None, padding=(0, 2, 0, 0))
    for col in ("file", "size", "read", "records", "host", "pid"):
        table.add_column(col, justify="left" if col in ("file", "host") else "right")
    for f in detail.files:
        name = Text(printable(f.name), style="dim strike" if f.gone else "")
        table.add_row(
            name, format_count(f.size), format_count(f.offset), format_count(f.records),
            Text(printable(f.host or "-")), str(f.pid) if f.pid is not None else "-",
        )  # fmt: skip
    return table


def damage_text(detail: RunDetail) -> Text:
    """One line per damage report, or a note that the files read cleanly."""
    if not detail.damage:
        return Text("no damage found in the event files", style="green")
    text = Text(f"{len(detail.damage)} damage report(s)\n", style="bold yellow")
    for d in detail.damage[:50]:
        text.append(
            f"  {printable(d.file)}  offset {d.offset:,}  {printable(d.kind)}"
            f"  skipped {d.skipped_bytes:,} bytes\n"
        )
    return text


class DetailScreen(ChartControls, Screen[None]):
    """Everything about one run."""

    AUTO_FOCUS = "#detail-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        *CHART_BINDINGS,
    ]

    def __init__(
        self, detail: RunDetail, alerts: Sequence[str] = (), process: RunProcess | None = None,
        *, focus: Alert | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.detail = detail
        self.alerts = list(alerts)
        #: The alert the screen was opened from: its line on top, its tag's chart marked
        #: at its step, the histograms its rule read.
        self.focus_alert = focus
        #: The run's state, why, and its process (P / K act on it from the table).
        self.process = process
        self.options = ChartOptions()

    def compose(self) -> ComposeResult:
        d = self.detail
        with VerticalScroll(id="detail-body"):
            yield Static(Text(printable(d.name), style="bold"), id="detail-title")
            if self.focus_alert is not None:
                yield Static(evidence_line(self.focus_alert), id="detail-evidence")
                for tag in evidence_histograms(self.focus_alert, d):
                    yield Static(heat_strip(tag, d.histogram_points[tag]), classes="heat-strip")
            yield Static(info_table(d), id="detail-info")
            if self.process is not None:
                yield Static(process_text(self.process), id="detail-process")
            if self.alerts:
                text = Text()
                for line in self.alerts:
                    text.append(f"! {printable(line)}\n", style="bold red")
                yield Static(text, id="detail-alerts")
            with Grid(id="detail-charts"):
                for i, _tag in enumerate(d.scalars):
                    yield PlotextPlot(id=f"chart-{i}", classes="small-chart")
            yield Static(files_table(d), id="detail-files")
            yield Static(damage_text(d), id="detail-damage")
        yield AdaptiveFooter(narrow=170)

    def on_mount(self) -> None:
        self._redraw()
        focus = self.focus_alert
        if focus is not None and focus.tag in self.detail.scalars:
            index = list(self.detail.scalars).index(focus.tag)
            self.call_after_refresh(self.query_one(f"#chart-{index}").scroll_visible)

    def _redraw(self) -> None:
        for i, (tag, pts) in enumerate(self.detail.scalars.items()):
            note = nonfinite_note(pts)
            last = format_value(float(pts.values[-1])) if len(pts) else "-"
            title = f"{tag}  last {last}" + (f"  {note}" if note else "")
            plot = self.query_one(f"#chart-{i}", PlotextPlot)
            draw(plot, {tag: pts}, self.options, title=title, legend=False)
            focus = self.focus_alert
            if focus is not None and focus.tag == tag and focus.step >= 0 and len(pts):
                # The step that raised the alert, as a line across the chart.
                j = min(int(np.searchsorted(pts.steps, focus.step)), len(pts) - 1)
                plot.plt.vline(float(x_values(pts, self.options.x_axis)[j]), "red")
