"""``h``: runs (or groups) × the hparams that differ × the metric columns.

Constant hparams fold into one line above the table, with the first metric's hparam
importance (Spearman's rho and the number of runs, as the report gives it) and the best
configuration, which is marked ``★`` in the table. Values are coloured by how they rank
among the rows. ``s``/``S`` or a click on a header sorts by that column; ``/`` filters
the runs with the runs table's grammar (``lr<1e-3``); Enter goes to the run or group.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from tfwatch.filtering import parse_filter
from tfwatch.live.facade import HparamValue, Importance, hparam_value
from tfwatch.live.group_view import Grouping
from tfwatch.live.hparams_view import (
    BEST,
    GOOD,
    MIDDLE,
    POOR,
    HparamsRow,
    HparamsTable,
    hparams_table,
    sort_rows,
)
from tfwatch.live.view_models import Snapshot
from tfwatch.text.numbers import format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.messages import SnapshotApplied
from tfwatch.ui.widgets.footer import AdaptiveFooter


@dataclass(frozen=True)
class HparamsInputs:
    """What the view is built from on each tick (the app's latest)."""

    snapshot: Snapshot
    #: The groups shown in the runs table (None: not grouped).
    grouping: Grouping | None
    seed_keys: tuple[str, ...]


QUALITY_STYLES = {BEST: "bold green", GOOD: "green", MIDDLE: "yellow", POOR: "red"}
BEST_MARK = "★"


def hparam_text(value: HparamValue | None) -> str:
    """An hparam value as the report writes it (``-`` when the row lacks it), safe for
    the terminal."""
    return printable(hparam_value(value))


def importance_text(imp: Importance | None) -> Text:
    """``importance of loss: lr ρ=-0.93 (n=9, strong)  opt best=adam (n=4)``."""
    if imp is None:
        return Text("no metric column: press m in the runs table", style="dim")
    out = Text(f"importance of {printable(imp.tag)}: ", style="bold")
    if not imp.effects:
        out.append("no hparam varies across runs with a finite value", style="dim")
    for effect in imp.effects[:6]:
        out.append(printable(effect.name), style="cyan")
        if effect.rho is not None and not math.isnan(effect.rho):
            out.append(f" ρ={effect.rho:+.2f} (n={effect.n}, {effect.strength})  ")
        elif effect.best_level is not None:
            out.append(f" best={printable(effect.best_level)} (n={effect.best_level_n})  ")
        else:
            out.append(f" (n={effect.n}: too few)  ", style="dim")
    if imp.best_run is not None:
        out.append(f"\n{BEST_MARK} best run: ", style="bold yellow")
        out.append(printable(imp.best_run))
        out.append(f" {printable(imp.tag)}={format_value(imp.best_value)}", style="dim")
    return out


def constants_text(table: HparamsTable) -> Text:
    """The hparams every row shares, on one line."""
    if not table.constant:
        return Text("")
    out = Text("same everywhere: ", style="dim")
    out.append(
        "  ".join(f"{printable(k)}={hparam_text(v)}" for k, v in sorted(table.constant.items()))
    )
    return out


class HparamsScreen(Screen[None]):
    """The hparams table; follows the live data."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse"),
        Binding("slash", "filter", "Filter"),
    ]
    AUTO_FOCUS = "#hparams-table"

    def __init__(
        self, inputs: Callable[[], HparamsInputs | None], goto: Callable[[str], object]
    ) -> None:
        super().__init__()
        #: The app's latest snapshot and groups (None before the first pass).
        self._inputs = inputs
        #: Put the runs table's cursor on a run or group (Enter).
        self._goto = goto
        #: The column sorted by (None: the first metric, best first) and its direction.
        self.sort_column: str | None = None
        self.reverse = False
        self.query_text = ""
        self.table_data: HparamsTable | None = None
        self._columns: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="hparams-title")
        yield Static(id="hparams-importance")
        yield DataTable(id="hparams-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="filter: lr<1e-3 opt=adam …", id="hparams-filter")
        yield AdaptiveFooter()

    def on_mount(self) -> None:
        self.query_one("#hparams-filter", Input).display = False
        self.rebuild()

    @on(SnapshotApplied)
    def rebuild(self) -> None:
        """Build the table from the app's latest snapshot (and groups, when grouped)."""
        inputs = self._inputs()
        if inputs is None:
            return
        snap, grouping = inputs.snapshot, inputs.grouping
        run_filter = parse_filter(self.query_text)
        runs = [r for r in snap.runs.values() if run_filter.matches(r)]
        groups = None
        if grouping is not None:
            names = {r.name for r in runs}
            groups = [g for g in grouping.groups if names.intersection(g.members)]
        data = hparams_table(runs, snap.metrics, groups, inputs.seed_keys)
        self.table_data = data
        self._show(data, len(runs), len(snap.runs), run_filter.errors)

    def _show(self, data: HparamsTable, shown: int, total: int, errors: tuple[str, ...]) -> None:
        kind = "groups" if any(r.count > 1 for r in data.rows) else "runs"
        title = Text(f"hparams: {len(data.rows)} {kind} ({shown}/{total} runs)", style="bold")
        sort = self.sort_column or (data.metrics[0] if data.metrics else "name")
        title.append(f"  sort: {printable(sort)} {'↓' if self.reverse else '↑'}", style="dim")
        if errors:
            title.append(f"  ✗ {printable('; '.join(errors))}", style="bold red")
        title.append("\n")
        title.append_text(constants_text(data))
        self.query_one("#hparams-title", Static).update(title)
        self.query_one("#hparams-importance", Static).update(importance_text(data.importance))
        table = self.query_one("#hparams-table", DataTable)
        columns = ("", "run", *data.varying, *data.metrics)
        keep = self._cursor_key(table)
        if columns != self._columns:
            table.clear(columns=True)
            table.add_column("", key="mark", width=1)
            table.add_column("group" if kind == "groups" else "run", key="name")
            for h in data.varying:
                table.add_column(Text(printable(h), style="cyan"), key=f"h:{h}")
            for t in data.metrics:
                table.add_column(Text(printable(t), style="bold"), key=f"m:{t}")
            self._columns = columns
        else:
            table.clear()
        for row in sort_rows(data, self.sort_column, self.reverse):
            table.add_row(*self._cells(data, row), key=row.key)
        if keep is not None and keep in {r.key for r in data.rows}:
            table.move_cursor(row=table.get_row_index(keep), animate=False)

    @staticmethod
    def _cursor_key(table: DataTable[Text]) -> str | None:
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # an empty or cleared table: no cursor row
            return None

    def _cells(self, data: HparamsTable, row: HparamsRow) -> list[Text]:
        best = row.key == data.best
        cells = [Text(BEST_MARK if best else " ", style="bold yellow")]
        label = printable(row.label) + (f" ×{row.count}" if row.count > 1 else "")
        cells.append(Text(label, style="bold" if best else ""))
        cells += [Text(hparam_text(row.hparams.get(h))) for h in data.varying]
        for t in data.metrics:
            value = row.values.get(t)
            if value is None:
                cells.append(Text("-", style="dim", justify="right"))
                continue
            quality = data.quality(row, t)
            style = QUALITY_STYLES.get(quality or "", "bold red")
            cells.append(Text(format_value(value), style=style, justify="right"))
        return cells

    # -- sorting, filtering ---------------------------------------------------------------

    def sortable(self) -> list[str | None]:
        """The columns ``s`` steps through: the first metric best-first, then each."""
        data = self.table_data
        if data is None:
            return [None]
        return [None, "name", *data.varying, *data.metrics]

    def action_sort_next(self) -> None:
        cycle = self.sortable()
        i = cycle.index(self.sort_column) if self.sort_column in cycle else 0
        self.sort_column = cycle[(i + 1) % len(cycle)]
        self.rebuild()

    def action_sort_reverse(self) -> None:
        self.reverse = not self.reverse
        self.rebuild()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value or "")
        column = key[2:] if key[:2] in ("h:", "m:") else "name" if key == "name" else None
        if column == self.sort_column:
            self.reverse = not self.reverse
        self.sort_column = column
        self.rebuild()

    def action_filter(self) -> None:
        box = self.query_one("#hparams-filter", Input)
        box.display = True
        self.set_focus(box)

    @on(Input.Changed, "#hparams-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.rebuild()

    @on(Input.Submitted, "#hparams-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.query_one("#hparams-table", DataTable).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(DataTable.RowSelected, "#hparams-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        self.app.pop_screen()
        if key is not None:
            self._goto(key)
