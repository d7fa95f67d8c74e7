"""The runs table: one row per run, updated in place on each tick.

Rows are keyed by run name so the cursor follows its run through sorting, filtering and
refreshes. A tick touches only the cells whose text changed; the columns are rebuilt
only when the metric set or the width changes (a resize), never on a refresh.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, cast

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from tfwatch.live.view_models import RunSummary
from tfwatch.ui.columns import Column, RunNameText, age_cell, age_text, header_label, row_cells

#: How a row that is not a plain run (a group, a group's member) becomes cells.
CellMaker = Callable[[Any, list[Column], bool, float], list[Text]]


class RunsTable(DataTable[Text]):
    """The main table. Call :meth:`show` with the runs to display, in order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "Top", show=False),
        Binding("G,end", "scroll_bottom", "Bottom", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # Open and close groups (the app's grouping; nothing on a plain run's row).
        Binding("right", "app.expand_group(True)", "Open group", show=False),
        Binding("left", "app.expand_group(False)", "Close group", show=False),
    ]

    class WidthChanged(Message):
        """The table was resized: the columns that fit may have changed."""

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.WidthChanged())

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns_shown: list[Column] = []
        #: Per run: the summary object and mark the cached cells were built from.
        self._built: dict[str, tuple[RunSummary, bool, list[Text]]] = {}
        self._order: list[str] = []
        #: Per row: the cell maker its cells came from (a row drawn another way is rebuilt).
        self._maker_of: dict[str, CellMaker] = {}

    @property
    def columns_shown(self) -> list[Column]:
        """The columns currently displayed."""
        return list(self._columns_shown)

    @property
    def order(self) -> list[str]:
        """Run names in display order."""
        return list(self._order)

    @property
    def current_run(self) -> str | None:
        """Name of the run under the cursor."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return key.value

    def set_columns(self, columns: list[Column]) -> bool:
        """Use ``columns``; returns True when they changed (rows are then re-added)."""
        if columns == self._columns_shown:
            return False
        keep = self.current_run
        self.clear(columns=True)
        for col in columns:
            self.add_column(header_label(col), key=col.key, width=col.width)
        self._columns_shown = columns
        self._built.clear()
        self._order = []
        self._pending_cursor = keep
        return True

    _pending_cursor: str | None = None

    def show(
        self,
        runs: Sequence[RunSummary],
        marked: set[str] | frozenset[str],
        now: float,
        makers: Mapping[str, CellMaker] | None = None,
    ) -> None:
        """Display ``runs`` in this order, updating only what changed. ``makers``: the
        cell makers of rows drawn otherwise than a run's (group rows and their members,
        by row key); such a row's ``name`` is its key. A row keeps its cells while its
        summary, mark and maker are the same objects as last time."""
        keep = self._pending_cursor or self.current_run
        self._pending_cursor = None
        cols = self._columns_shown
        makers = makers or {}
        wanted = {r.name for r in runs}
        for name in [n for n in self._built if n not in wanted]:
            del self._built[name]
            self._maker_of.pop(name, None)
            with contextlib.suppress(RowDoesNotExist):
                self.remove_row(name)
        age_index = next((i for i, c in enumerate(cols) if c.key == "age"), None)
        for run in runs:
            is_marked = run.name in marked
            built = self._built.get(run.name)
            maker = makers.get(run.name, row_cells)
            same_maker = self._maker_of.get(run.name, row_cells) is maker
            self._maker_of[run.name] = maker
            if built is None:
                cells = maker(run, cols, is_marked, now)
                self.add_row(*cells, key=run.name)
                self._built[run.name] = (run, is_marked, cells)
                continue
            old_run, old_marked, old_cells = built
            if old_run is run and old_marked == is_marked and same_maker:
                if age_index is not None:
                    # Compare the text before building a cell: most ages do not change.
                    plain = age_text(run, now).rjust(cols[age_index].width)
                    if plain != old_cells[age_index].plain:
                        age = age_cell(run, now, cols[age_index].width)
                        old_cells[age_index] = age
                        self.update_cell(run.name, cols[age_index].key, age)
                continue
            cells = maker(run, cols, is_marked, now)
            for i, (old, new) in enumerate(zip(old_cells, cells, strict=True)):
                if old != new:
                    self.update_cell(run.name, cols[i].key, new)
            self._built[run.name] = (run, is_marked, cells)
        order = [r.name for r in runs]
        if order != self._order or len(order) != self.row_count:
            self._reorder(order)
        self._order = order
        self._restore_cursor(keep)

    def _reorder(self, order: list[str]) -> None:
        """Put rows in ``order``, moving them without rebuilding them: sorted by the
        position of the run each name cell names (its text may be shortened). The name
        column is always shown (:func:`fit_columns` never drops it)."""
        position = {name: i for i, name in enumerate(order)}
        self.sort("name", key=lambda cell: position[cast(RunNameText, cell).run])

    def _restore_cursor(self, name: str | None) -> None:
        if name is None or name not in self._built:
            return
        try:
            index = self.get_row_index(name)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=True)
