"""The filter line (``/``): a prompt and the query box, posting the query once typing
pauses, so a fast typist does not refilter the table on every key."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label

#: Seconds without a key before the query is applied.
FILTER_DEBOUNCE = 0.15


class FilterBar(Horizontal):
    """``/`` and the query box. Posts :class:`Changed` as typing settles and
    :class:`Submitted` on enter; the app parses and applies the query."""

    @dataclass
    class Changed(Message):
        """The query typed so far (after :data:`FILTER_DEBOUNCE` without a key)."""

        text: str

    @dataclass
    class Submitted(Message):
        """The query, on enter."""

        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label("/", id="filter-prompt")
        yield Input(placeholder="text  re:regex  lr<1e-3  state:running  alert:nan", id="filter")

    @property
    def box(self) -> Input:
        """The query box."""
        return self.query_one("#filter", Input)

    @on(Input.Changed, "#filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._cancel()
        text = event.value
        self._timer = self.set_timer(FILTER_DEBOUNCE, lambda: self.post_message(self.Changed(text)))

    @on(Input.Submitted, "#filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def clear(self) -> None:
        """Empty the box, dropping a query still waiting for typing to pause."""
        self._cancel()
        self.box.value = ""

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
