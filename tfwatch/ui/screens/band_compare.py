"""``c`` while grouped: each group's mean over its members' aligned steps, with a band.

The members' series are copied and the bands computed off the UI thread (a thread
worker), on opening and on every tick. ``b`` switches the band between min–max and
mean ± std; ``t``/``T`` compare another tag. The legend says how many members each
group has and where its band narrows (a member stopped earlier).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tfwatch.live.facade import Band, aligned_band
from tfwatch.text.numbers import format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.messages import SnapshotApplied
from tfwatch.ui.screens.compare import SeriesSource
from tfwatch.ui.widgets.band_chart import SPREADS, counts_text, draw_bands, spread_of
from tfwatch.ui.widgets.charts import rich_colour
from tfwatch.ui.widgets.footer import AdaptiveFooter

#: (label, member run names) of each group compared.
GroupMembers = Sequence[tuple[str, Sequence[str]]]


def group_bands(groups: GroupMembers, tag: str, source: SeriesSource) -> dict[str, Band]:
    """Each group's band of ``tag`` from copies of its members' series (blocks on the
    store's lock for the copy: call it off the UI thread)."""
    names = [n for _, members in groups for n in members]
    series = source(names, tag)
    return {
        label: aligned_band([(series[n].steps, series[n].values) for n in members if n in series])
        for label, members in groups
    }


class BandCompareScreen(Screen[None]):
    """Groups compared as bands; follows the live data."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("b", "spread", "Band: min–max / ±std"),
        Binding("t", "tag(1)", "Next tag"),
        Binding("T", "tag(-1)", "Prev tag", show=False),
    ]

    def __init__(
        self,
        groups: GroupMembers,
        tag: str,
        tags: Sequence[str],
        source: SeriesSource,
        bands: dict[str, Band] | None = None,
    ) -> None:
        super().__init__()
        self.groups = [(label, list(members)) for label, members in groups]
        self.tag = tag
        self.tags = list(tags) or [tag]
        self.spread = SPREADS[0]
        self._source = source
        self.bands: dict[str, Band] = dict(bands or {})

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title")
        yield PlotextPlot(id="compare-plot")
        yield Static(id="compare-legend")
        yield AdaptiveFooter(narrow=170)

    def on_mount(self) -> None:
        self._redraw()

    @on(Resize)
    def _resized(self) -> None:
        self._redraw()  # the shading's resolution follows the plot's size

    @on(SnapshotApplied)
    def refresh_live(self) -> None:
        """Copy the members' series again and redraw (every tick)."""
        self._fetch(self.tag)

    @work(thread=True, exclusive=True, group="band-series", exit_on_error=False)
    def _fetch(self, tag: str) -> None:
        bands = group_bands(self.groups, tag, self._source)
        self.app.call_from_thread(self._show, tag, bands)

    def _show(self, tag: str, bands: dict[str, Band]) -> None:
        if tag != self.tag or not self.is_attached:
            return
        self.bands = bands
        self._redraw()

    def _redraw(self) -> None:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(printable(self.tag), style="bold")
        title.append(f"   mean of each group, band {self.spread}", style="")
        title.append(f"  {len(self.groups)} groups", style="dim")
        self.query_one("#compare-title", Static).update(title)
        colour_of = {label: i for i, (label, _) in enumerate(self.groups)}
        draw_bands(self.query_one(PlotextPlot), self.bands, self.spread, colour_of)
        self.query_one("#compare-legend", Static).update(self._legend(colour_of))

    def _legend(self, colour_of: dict[str, int]) -> Text:
        legend = Text()
        width = max((len(printable(label)) for label, _ in self.groups), default=0)
        for label, members in self.groups:
            band = self.bands.get(label)
            if legend:
                legend.append("\n")
            legend.append("━━ ", style=rich_colour(colour_of[label]))
            if band is None or not len(band):
                legend.append(printable(label).ljust(width))
                legend.append(f"  {len(members)} runs, no {printable(self.tag)}", style="dim")
                continue
            legend.append(printable(label).ljust(width))
            legend.append(f"  {counts_text(band)}")
            low, high = spread_of(band, self.spread)
            legend.append(
                f"  mean {format_value(float(band.mean[-1]))} "
                f"[{format_value(float(low[-1]))}, {format_value(float(high[-1]))}]",
                style="bold",
            )
            legend.append(f" @{int(band.steps[-1])}", style="dim")
        return legend

    def action_spread(self) -> None:
        """Switch the band between min–max and mean ± std."""
        self.spread = SPREADS[(SPREADS.index(self.spread) + 1) % len(SPREADS)]
        self._redraw()

    def action_tag(self, direction: int) -> None:
        """Compare another tag."""
        i = self.tags.index(self.tag) if self.tag in self.tags else 0
        self.tag = self.tags[(i + direction) % len(self.tags)]
        self.refresh_live()
