"""``m``: a fuzzy picker over every scalar tag seen, most common first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tfwatch.filtering import fuzzy_match
from tfwatch.text.safe_text import printable


class MetricPicker(ModalScreen[str | None]):
    """Returns the chosen tag (None when cancelled)."""

    AUTO_FOCUS = "#picker-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tags: Sequence[str], shown: Sequence[str]) -> None:
        super().__init__()
        self._tags = list(tags)
        self._shown = set(shown)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label("Metric column (enter: show first, esc: cancel)")
            yield Input(placeholder="type to filter tags", id="picker-input")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for tag in self._tags:
            if fuzzy_match(query, tag):
                label = Text(printable(tag))
                if tag in self._shown:
                    label.append("  (shown)", style="dim")
                options.add_option(Option(label, id=tag))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#picker-input")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-input")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("down", "up"):
            options = self.query_one(OptionList)
            if event.key == "down":
                options.action_cursor_down()
            else:
                options.action_cursor_up()
            event.stop()

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
