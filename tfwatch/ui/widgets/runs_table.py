"""The runs table: one row per run, updated in place on each tick.

Rows are keyed by run name so the cursor follows its run through sorting, filtering and
refreshes. A tick touches only the cells whose text changed; the columns are rebuilt
only when the metric set or the width changes (a resize), never on a refresh.

Names show without the prefix they all share (the name column's header shows it) and
cut to the column so that no two rows look alike (:mod:`tfwatch.text.run_names`); ``t``
shows them as a tree by directory instead (:mod:`tfwatch.ui.run_tree`), where each
directory is a row of its own with no run under the cursor.
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
from tfwatch.text.run_names import shared_prefix, shorten_names, tail_widths
from tfwatch.ui.columns import (
    Column,
    RunNameText,
    age_cell,
    age_text,
    directory_cells,
    header_label,
    row_cells,
)
from tfwatch.ui.run_tree import DIR_KEY, tree_rows, tree_width

#: How a row that is not a plain run (a group, a group's member) becomes cells.
CellMaker = Callable[[Any, list[Column], bool, float], list[Text]]


class RunsTable(DataTable[Text]):
    """The main table. Call :meth:`show` with the runs to display, in order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "Top", show=False),
        Binding("G,end", "scroll_bottom", "Bottom", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("t", "toggle_tree", "Tree", id="tree", show=False),
        # Open and close groups (the app's grouping; nothing on a plain run's row).
        Binding("right", "app.expand_group(True)", "Open group", show=False),
        Binding("left", "app.expand_group(False)", "Close group", show=False),
    ]

    class WidthChanged(Message):
        """The table was resized, or its names need another width (the tree was toggled):
        the columns that fit may have changed."""

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.WidthChanged())

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns_shown: list[Column] = []
        #: Per run: the summary object and mark the cached cells were built from.
        self._built: dict[str, tuple[RunSummary | None, bool, list[Text]]] = {}
        self._order: list[str] = []
        #: Every row's key in display order (runs, and directories in the tree).
        self._keys: list[str] = []
        #: Show runs as a tree by directory (``t``).
        self.as_tree = False
        #: Per row drawn otherwise than a run's: the cell maker its cells came from.
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
        if key.value is None or key.value.startswith(DIR_KEY):
            return None
        return key.value

    def name_needs(self, runs: Sequence[RunSummary]) -> tuple[int, str]:
        """(cells, header): what the name column needs to show ``runs`` whole, and the
        prefix they all share, which its header shows instead of every row."""
        names = [r.name for r in runs]
        width = tree_width(names) if self.as_tree else tail_widths(names)
        return width, shared_prefix(names)

    def action_toggle_tree(self) -> None:
        """Show the runs as a tree by directory, or as a flat list."""
        self.as_tree = not self.as_tree
        self.post_message(self.WidthChanged())

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
        self._keys = []
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
        by row key; such a row's ``name`` is its key); with them the rows are shown as
        given, neither as a tree nor with shortened names (the makers draw the names)."""
        keep = self._pending_cursor or self.current_run
        self._pending_cursor = None
        cols = self._columns_shown
        width = next((c.width for c in cols if c.key == "name"), 0)
        by_name = {r.name: r for r in runs}
        makers = makers or {}
        if makers:
            rows: list[tuple[str, str | None, str]] = [(r.name, r.name, "") for r in runs]
        elif self.as_tree:
            rows = [(row.key, row.run, row.text) for row in tree_rows(list(by_name), width)]
        else:
            shown = shorten_names(list(by_name), width).shown
            rows = [(r.name, r.name, shown[r.name]) for r in runs]
        wanted = {key for key, _, _ in rows}
        for key in [k for k in self._built if k not in wanted]:
            del self._built[key]
            self._maker_of.pop(key, None)
            with contextlib.suppress(RowDoesNotExist):
                self.remove_row(key)
        age_index = next((i for i, c in enumerate(cols) if c.key == "age"), None)
        name_index = next((i for i, c in enumerate(cols) if c.key == "name"), 0)
        for key, name, text in rows:
            if name is None:
                self._show_directory(key, text)
            else:
                run = by_name[name]
                maker = makers.get(name)
                self._show_run(run, name in marked, text, now, age_index, name_index, maker)
        keys = [key for key, _, _ in rows]
        if keys != self._keys or len(keys) != self.row_count:
            self._reorder(keys)
        self._keys = keys
        self._order = [name for _, name, _ in rows if name is not None]
        self._restore_cursor(keep)

    def _show_directory(self, key: str, text: str) -> None:
        cells = directory_cells(self._columns_shown, key, text)
        built = self._built.get(key)
        if built is None:
            self.add_row(*cells, key=key)
        else:
            self._update_changed(key, built[2], cells)
        self._built[key] = (None, False, cells)

    def _update_changed(self, key: str, old_cells: list[Text], cells: list[Text]) -> None:
        for col, old, new in zip(self._columns_shown, old_cells, cells, strict=True):
            if old != new:
                self.update_cell(key, col.key, new)

    def _show_run(
        self,
        run: RunSummary,
        is_marked: bool,
        text: str,
        now: float,
        age_index: int | None,
        name_index: int,
        maker: CellMaker | None = None,
    ) -> None:
        """Add or update ``run``'s row (``maker``: how its cells are made, when not as a
        plain run's); its cells are kept while its summary, mark, name and maker are."""
        cols = self._columns_shown
        built = self._built.get(run.name)
        same_maker = self._maker_of.get(run.name) is maker
        if maker is None:
            self._maker_of.pop(run.name, None)
        else:
            self._maker_of[run.name] = maker
        if built is None:
            cells = self._cells(run, is_marked, now, text, maker)
            self.add_row(*cells, key=run.name)
            self._built[run.name] = (run, is_marked, cells)
            return
        old_run, old_marked, old_cells = built
        same_name = maker is not None or old_cells[name_index].plain == text
        if old_run is run and old_marked == is_marked and same_maker and same_name:
            if age_index is not None:
                # Compare the text before building a cell: most ages do not change.
                plain = age_text(run, now).rjust(cols[age_index].width)
                if plain != old_cells[age_index].plain:
                    age = age_cell(run, now, cols[age_index].width)
                    old_cells[age_index] = age
                    self.update_cell(run.name, cols[age_index].key, age)
            return
        cells = self._cells(run, is_marked, now, text, maker)
        self._update_changed(run.name, old_cells, cells)
        self._built[run.name] = (run, is_marked, cells)

    def _cells(
        self, run: RunSummary, marked: bool, now: float, text: str, maker: CellMaker | None
    ) -> list[Text]:
        if maker is not None:
            return maker(run, self._columns_shown, marked, now)
        return row_cells(run, self._columns_shown, marked, now, text)

    def _reorder(self, order: list[str]) -> None:
        """Put rows in ``order`` (row keys), moving them without rebuilding them: sorted
        by the position of the key each name cell holds (its text may be shortened). The
        name column is always shown (:func:`fit_columns` never drops it)."""
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
