"""The runs table: one row per run, drawn line by line for the rows on screen only.

A tick hands the table every visible run in order (plain lists: sorting and filtering
happen before); the table keeps the row keys and, per row on screen, a Strip drawn
from the run's summary object (:mod:`row_strips`). Rows scrolled off are never styled,
and a row on screen is drawn again only when its summary, mark, name, age text, zebra
place or the cursor changed. Rows are keyed by run name so the cursor follows its run
through sorting, filtering and refreshes.

Names show without the prefix they all share (the name column's header shows it) and
cut to the column so that no two rows look alike (:mod:`tfwatch.text.run_names`); ``t``
shows them as a tree by directory instead (:mod:`tfwatch.ui.run_tree`), where each
directory is a row of its own with no run under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tfwatch.live.view_models import RunSummary
from tfwatch.ui.columns import (
    CELL_PADDING,
    Column,
    age_text,
    directory_cells,
    header_label,
    row_cells,
)
from tfwatch.ui.widgets.row_cursor import RowCursor
from tfwatch.ui.widgets.row_names import RowNames, Rows
from tfwatch.ui.widgets.row_strips import RowStyles, StripCache, line_strip

#: How a row that is not a plain run (a group, a group's member) becomes cells.
CellMaker = Callable[[Any, list[Column], bool, float], list[Text]]
NO_MAKERS: Mapping[str, CellMaker] = {}


class RunsTable(RowCursor, can_focus=True):
    """The main table. Call :meth:`show` with the runs to display, in order."""

    DEFAULT_CSS = """
    RunsTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .runs-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .runs-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .runs-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .runs-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .runs-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .runs-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .runs-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "runs-table--header",
        "runs-table--even-row",
        "runs-table--odd-row",
        "runs-table--cursor",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "scroll_top", "Top", show=False),
        Binding("G,end,ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("t", "toggle_tree", "Tree", id="tree", show=False),
        # Open and close groups (the app's grouping; nothing on a plain run's row).
        Binding("right", "app.expand_group(True)", "Open group", show=False),
        Binding("left", "app.expand_group(False)", "Close group", show=False),
    ]

    class WidthChanged(Message):
        """The table was resized, or its names need another width (the tree was toggled):
        the columns that fit may have changed."""

    class RowSelected(Message):
        """Enter, or a click on the row under the cursor: ``row_key`` was chosen."""

        def __init__(self, table: RunsTable, row_key: str) -> None:
            super().__init__()
            self.table = table
            self.row_key = row_key

        @property
        def control(self) -> RunsTable:
            """The table the row was chosen in."""
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._columns_shown: list[Column] = []
        #: Every row's key in display order (runs, and directories in the tree).
        self._keys: Sequence[str] = []
        #: Row key → its place in ``_keys`` (made when first asked).
        self._index_of: dict[str, int] | None = {}
        #: Per row: the run it shows (None for a directory) and its name's shown form.
        self._run_of: list[RunSummary | None] = []
        self._text_of: Sequence[str] = []
        self._order: Sequence[str] = []
        self._marked: frozenset[str] = frozenset()
        self._makers: Mapping[str, CellMaker] = {}
        self._now = 0.0
        #: What the rows were last built from: a tick that hands the same list again
        #: (nothing changed) costs only the ages of the rows on screen.
        self._shown_from: tuple[Any, ...] | None = None
        #: The rows and the names they show, kept while the names are.
        self._names = RowNames()
        self._rows_shown: Rows | None = None
        self._strips = StripCache()
        #: Show runs as a tree by directory (``t``).
        self.as_tree = False
        self.cursor_row = 0
        self._pending_cursor: str | None = None

    # -- what the app reads ---------------------------------------------------------------

    @property
    def columns_shown(self) -> list[Column]:
        """The columns currently displayed."""
        return list(self._columns_shown)

    @property
    def order(self) -> list[str]:
        """Run names in display order."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        """Rows in the table (runs, groups and directories)."""
        return len(self._keys)

    @property
    def current_run(self) -> str | None:
        """Name of the run under the cursor (None on a directory or an empty table)."""
        if not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._keys[self.cursor_row] if self._run_of[self.cursor_row] is not None else None

    def get_row_index(self, key: str) -> int:
        """The row showing ``key`` (KeyError when none does)."""
        return self._index()[key]

    def get_row(self, key: str) -> list[Text]:
        """The cells of ``key``'s row as they are shown."""
        return self._cells(self._index()[key])

    def _index(self) -> dict[str, int]:
        """Row key → its place in ``_keys``."""
        if self._index_of is None:
            self._index_of = dict(zip(self._keys, range(len(self._keys)), strict=True))
        return self._index_of

    def _place_of(self, key: str | None) -> int | None:
        """The row showing ``key`` (None when none does), without making the index: a
        scan in C is cheaper than a dict of every row for one look."""
        if key is None:
            return None
        if self._index_of is not None:
            return self._index_of.get(key)
        try:
            return self._keys.index(key)
        except ValueError:
            return None

    def name_needs(self, runs: Sequence[RunSummary], names: Hashable = None) -> tuple[int, str]:
        """(cells, header): what the name column needs to show ``runs`` whole, and the
        prefix they all share, which its header shows instead of every row. ``names``:
        a token that is the same only for the same set of names (kept while it is)."""
        return self._names.needs(runs, names, self.as_tree)

    # -- what the app sets ----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.WidthChanged())

    def action_toggle_tree(self) -> None:
        """Show the runs as a tree by directory, or as a flat list."""
        self.as_tree = not self.as_tree
        self._shown_from = None
        self.post_message(self.WidthChanged())

    def set_columns(self, columns: list[Column]) -> bool:
        """Use ``columns``; returns True when they changed (rows are then drawn anew)."""
        if columns == self._columns_shown:
            return False
        self._pending_cursor = self.current_run
        self._columns_shown = columns
        self._shown_from = None
        self.refresh()
        return True

    def show(
        self,
        runs: Sequence[RunSummary],
        marked: set[str] | frozenset[str],
        now: float,
        makers: Mapping[str, CellMaker] | None = None,
        order: tuple[Hashable, Hashable] | None = None,
    ) -> None:
        """Display ``runs`` in this order. ``makers``: the cell makers of rows drawn
        otherwise than a run's (group rows and their members, by row key; such a row's
        ``name`` is its key); with them the rows are shown as given, neither as a tree
        nor with shortened names (the makers draw the names). ``order``: tokens that are
        the same only for the same names in the same order, and for the same set of
        names: what was made of the names is then kept."""
        self._now = now
        makers = makers or NO_MAKERS
        source = (runs, len(runs), makers, self.as_tree)
        held = self._shown_from
        same = held is not None and held[0] is runs and held[2] is makers and held[1:] == source[1:]
        if same and marked == self._marked:
            self._refresh_changed_rows()
            return
        keep = self._pending_cursor or self.current_run
        self._pending_cursor = None
        self._marked = frozenset(marked)
        self._makers = makers
        width = next((c.width for c in self._columns_shown if c.key == "name"), 0)
        rows = self._names.rows(runs, bool(makers), order, width, self.as_tree)
        same_rows = rows is self._rows_shown and held is not None
        if not same_rows:
            self._rows_shown = rows
            self._keys = rows.keys
            self._index_of = None  # (made when asked: a sort need not)
            self._text_of = rows.texts
            self._order = (
                rows.keys if not self.as_tree else [n for n in rows.names if n is not None]
            )
        if makers or not self.as_tree:  # a row per run, in their order
            run_of: list[RunSummary | None] = list(runs)
            self._run_of = run_of
        else:
            by_name = {r.name: r for r in runs}
            self._run_of = [by_name[name] if name is not None else None for name in rows.names]
        self._shown_from = source
        if same_rows:  # the same rows: redraw those on screen whose summary or mark changed
            self._refresh_changed_rows()
            return
        if len(self._strips) > 2 * len(self._keys) + 200:
            self._strips.forget_except(self._index())
        width = sum(c.width + CELL_PADDING for c in self._columns_shown)
        self.virtual_size = Size(width, len(self._keys) + 1)
        index = self._place_of(keep)
        self.cursor_row = self._clamp(self.cursor_row if index is None else index)
        self._scroll_to_cursor()
        self.refresh()

    # -- drawing --------------------------------------------------------------------------

    def _cells(self, index: int) -> list[Text]:
        key, run, cols = self._keys[index], self._run_of[index], self._columns_shown
        if run is None:
            return directory_cells(cols, key, self._text_of[index])
        marked = run.name in self._marked
        maker = self._makers.get(run.name)
        if maker is not None:
            return maker(run, cols, marked, self._now)
        return row_cells(run, cols, marked, self._now, self._text_of[index])

    def _styles(self) -> RowStyles:
        get = self.get_component_rich_style
        return RowStyles(
            get("runs-table--header"),
            get("runs-table--even-row"),
            get("runs-table--odd-row"),
            get("runs-table--cursor"),
        )

    def _signature(self, index: int) -> tuple[Any, ...]:
        """What row ``index``'s Strip shows: it is drawn again when this changes."""
        run = self._run_of[index]
        if run is None:
            return (None, self._text_of[index], index % 2, index == self.cursor_row)
        age = age_text(run, self._now) if run.activity > 0 else ""
        return (
            run,
            run.name in self._marked,
            self._text_of[index],
            self._makers.get(run.name),
            age,
            index % 2,
            index == self.cursor_row,
        )

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles = self._styles()
        self._strips.check_common((tuple(self._columns_shown), width, styles))
        scroll_x = int(self.scroll_offset.x)
        if y == 0:
            header = self._strips.get("\0header", ())
            if header is None:
                cells = [header_label(c) for c in self._columns_shown]
                header = line_strip(
                    cells, self._columns_shown, width, styles.header, styles.header,
                    self.app.console,
                )  # fmt: skip
                self._strips.put("\0header", (), header)
            return header.crop(scroll_x, scroll_x + width) if scroll_x else header
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._keys):
            return Strip.blank(width, self.rich_style)
        key = self._keys[index]
        signature = self._signature(index)
        strip = self._strips.get(key, signature)
        if strip is None:
            pre, post = styles.row(index, index == self.cursor_row)
            cells = self._cells(index)
            strip = line_strip(cells, self._columns_shown, width, pre, post, self.app.console)
            self._strips.put(key, signature, strip)
        return strip.crop(scroll_x, scroll_x + width) if scroll_x else strip

    def _refresh_changed_rows(self) -> None:
        """Redraw the rows on screen that show something else than their Strip: another
        summary, mark or age text (``5s`` → ``6s``)."""
        top = int(self.scroll_offset.y)
        for index in range(top, min(len(self._keys), top + self._body_height())):
            key = self._keys[index]
            if self._strips.get(key, self._signature(index)) is None:
                self.refresh_line(index - top + 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_select_cursor(self) -> None:
        if 0 <= self.cursor_row < len(self._keys):
            self.post_message(self.RowSelected(self, self._keys[self.cursor_row]))
