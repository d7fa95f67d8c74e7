"""``enter``: one run in full: a small chart per scalar tag, hparams, files, damage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tfwatch.live.run_copies import RunDetail
from tfwatch.text.numbers import format_count, format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.screens.chart_controls import CHART_BINDINGS, ChartControls
from tfwatch.ui.screens.process import RunProcess, process_text
from tfwatch.ui.widgets.charts import ChartOptions, draw, nonfinite_note
from tfwatch.ui.widgets.footer import AdaptiveFooter


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
        self, detail: RunDetail, alerts: Sequence[str] = (), process: RunProcess | None = None
    ) -> None:
        super().__init__()
        self.detail = detail
        self.alerts = list(alerts)
        #: The run's state, why, and its process (P / K act on it from the table).
        self.process = process
        self.options = ChartOptions()

    def compose(self) -> ComposeResult:
        d = self.detail
        with VerticalScroll(id="detail-body"):
            yield Static(Text(printable(d.name), style="bold"), id="detail-title")
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

    def _redraw(self) -> None:
        for i, (tag, pts) in enumerate(self.detail.scalars.items()):
            note = nonfinite_note(pts)
            last = format_value(float(pts.values[-1])) if len(pts) else "-"
            title = f"{tag}  last {last}" + (f"  {note}" if note else "")
            draw(
                self.query_one(f"#chart-{i}", PlotextPlot),
                {tag: pts},
                self.options,
                title=title,
                legend=False,
            )
