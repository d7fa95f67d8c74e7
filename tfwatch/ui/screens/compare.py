"""``c``: one tag across several runs, overlaid, with smoothing, x axis and log-y keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.text.numbers import format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.messages import SnapshotApplied
from tfwatch.ui.screens.chart_controls import CHART_BINDINGS, ChartControls
from tfwatch.ui.widgets.charts import ChartOptions, draw, nonfinite_note, rich_colour
from tfwatch.ui.widgets.footer import AdaptiveFooter

#: Copies of one tag's history for the named runs (``LiveSession.series``).
SeriesSource = Callable[[Iterable[str], str], dict[str, SeriesArrays]]


class CompareScreen(ChartControls, Screen[None]):
    """The comparison chart with a legend; follows the live data."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        *CHART_BINDINGS,
        Binding("t", "tag(1)", "Next tag"),
        Binding("T", "tag(-1)", "Prev tag", show=False),
    ]

    def __init__(
        self,
        names: Sequence[str],
        tag: str,
        tags: Sequence[str],
        source: SeriesSource,
        series: dict[str, SeriesArrays] | None = None,
    ) -> None:
        super().__init__()
        self.names = list(names)
        self.tag = tag
        self.tags = list(tags) or [tag]
        self.options = ChartOptions()
        #: Copies of one tag's history per run; blocks, so called off the UI thread.
        self._source = source
        self._series: dict[str, SeriesArrays] = dict(series or {})

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title")
        yield PlotextPlot(id="compare-plot")
        yield Static(id="compare-legend")
        yield AdaptiveFooter(narrow=170)

    def on_mount(self) -> None:
        self._redraw()

    @on(SnapshotApplied)
    def refresh_live(self) -> None:
        """Re-read the series and redraw (called on every tick)."""
        self._fetch(self.tag)

    @work(thread=True, exclusive=True, group="compare-series", exit_on_error=False)
    def _fetch(self, tag: str) -> None:
        """Copy ``tag``'s series off the UI thread, then redraw with them."""
        series = self._source(self.names, tag)
        self.app.call_from_thread(self._show, tag, series)

    def _show(self, tag: str, series: dict[str, SeriesArrays]) -> None:
        if tag != self.tag or not self.is_attached:
            return  # another tag was asked for meanwhile, or the screen closed
        self._series = series
        self._redraw()

    def _redraw(self) -> None:
        o = self.options
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(printable(self.tag), style="bold")
        title.append(f"   smoothing {o.smoothing:.2f}  x: {o.x_axis}", style="")
        title.append("  log y" if o.log_y else "", style="")
        title.append(f"  {len(self._series)}/{len(self.names)} runs", style="dim")
        self.query_one("#compare-title", Static).update(title)
        colour_of = {name: i for i, name in enumerate(self.names)}
        draw(self.query_one(PlotextPlot), self._series, o, legend=False, colour_of=colour_of)
        self.query_one("#compare-legend", Static).update(self._legend(colour_of))

    def _legend(self, colour_of: dict[str, int]) -> Text:
        legend = Text()
        width = max((len(printable(n)) for n in self.names), default=0)
        for name in self.names:
            pts = self._series.get(name)
            if legend:
                legend.append("\n")
            legend.append("━━ ", style=rich_colour(colour_of[name]))
            legend.append(printable(name).ljust(width))
            if pts is None or not len(pts):
                legend.append(f"  (no {printable(self.tag)})", style="dim")
                continue
            legend.append(f"  {format_value(float(pts.values[-1]))}", style="bold")
            legend.append(f" @{int(pts.steps[-1])}", style="dim")
            note = nonfinite_note(pts)
            if note:
                legend.append(f"  × {note}", style="bold red")
        return legend

    def action_tag(self, direction: int) -> None:
        """Compare another tag."""
        i = self.tags.index(self.tag) if self.tag in self.tags else 0
        self.tag = self.tags[(i + direction) % len(self.tags)]
        self.refresh_live()
