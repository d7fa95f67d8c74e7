"""Group rows of the runs table, and the order of groups and their members.

A group row reuses the run cells of its :attr:`~tfwatch.live.group_view.GroupSummary.row`
(means for values, the mean curve's sparkline and trend) and replaces the cells that say
something of the group itself: an open/closed mark, the name with the member count and
how many run and alert (``lr=0.1 ×5 2/5● 1/5 nan``), and each metric's last value as
``mean±std``. Member rows of an open group follow it, indented.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from rich.text import Text

from tfwatch.filtering import RunFilter
from tfwatch.live.group_view import Grouping, GroupSummary
from tfwatch.live.view_models import RunSummary
from tfwatch.text.numbers import format_short, format_value
from tfwatch.text.safe_text import printable
from tfwatch.ui.columns import (
    STATE_GLYPHS,
    STATE_STYLES,
    Column,
    RunNameText,
    forecast_text,
    name_cell,
    right_aligned,
    row_cells,
)
from tfwatch.ui.sorting import sort_runs

OPEN, CLOSED = "▾", "▸"
#: Width of a metric's value column while grouped: ``0.1234±0.0123``.
MEAN_STD_WIDTH = 15
#: Shown before a member's name under its open group.
MEMBER_INDENT = "  "

Row = RunSummary | GroupSummary


@dataclass(frozen=True)
class GroupedRows:
    """What the table shows while grouped: rows in order, and each member's group."""

    rows: list[Row]
    #: Group id of each member row shown.
    parent: dict[str, str]
    #: Members passing the filter, per group shown.
    matching: dict[str, list[str]]


def row_key(row: Row) -> str:
    """The table's key of a row (a run's name, a group's id)."""
    return row.id if isinstance(row, GroupSummary) else row.name


def grouped_rows(
    grouping: Grouping,
    runs: Mapping[str, RunSummary],
    run_filter: RunFilter,
    mode: str,
    metric: str | None,
    reverse: bool,
    expanded: Collection[str],
) -> GroupedRows:
    """Groups with a member passing the filter, sorted like runs, each followed by its
    matching members (sorted the same way) when it is open."""
    matching: dict[str, list[str]] = {}
    shown: list[GroupSummary] = []
    for group in grouping.groups:
        members = [n for n in group.members if n in runs and run_filter.matches(runs[n])]
        if members:
            matching[group.id] = members
            shown.append(group)
    by_id = {g.id: g for g in shown}
    rows: list[Row] = []
    parent: dict[str, str] = {}
    for gid in sort_runs([g.row for g in shown], mode, metric, reverse):
        group = by_id[gid]
        rows.append(group)
        if gid in expanded:
            members = matching[gid]
            for name in sort_runs([runs[n] for n in members], mode, metric, reverse):
                rows.append(runs[name])
                parent[name] = gid
    return GroupedRows(rows, parent, matching)


def status_text(group: GroupSummary) -> str:
    """``×5 2/5● 1/5 nan``: members, how many run, how many alert (and the most common
    alert kind)."""
    n = group.count
    out = f"×{n}"
    if group.running:
        out += f" {group.running}/{n}●"
    if group.alerting:
        kind = group.alert_counts[0][0] if group.alert_counts else ""
        out += f" {group.alerting}/{n} {kind}".rstrip()
    return out


def group_name_cell(
    group: GroupSummary, width: int, shown: int | None = None, label: str | None = None
) -> RunNameText:
    """The group's label (``label``: a shorter one), elided in the middle to leave room
    for its counts."""
    status = status_text(group)
    if shown is not None and shown != group.count:
        status = f"{shown} shown " + status
    label = printable(group.label if label is None else label)
    room = max(4, width - len(status) - 1)
    if len(label) > room:
        keep = room - 1
        label = label[: keep // 2] + "…" + label[len(label) - (keep - keep // 2) :]
    return RunNameText(f"{label} {status}", group.id, style="bold")


def range_text(low: float, high: float, width: int) -> str:
    """``0.12–0.34`` in at most ``width`` characters (shorter numbers first)."""
    forms = (
        f"{format_value(low)}–{format_value(high)}",
        f"{format_short(low)}–{format_short(high)}",
    )
    return next((f for f in forms if len(f) <= width), forms[-1])


def mean_cell(
    group: GroupSummary, tag: str | None, field: str, width: int, spread: str = "std"
) -> Text | None:
    """``mean±std`` (``spread="range"``: ``min–max``) of the members' last values, or the
    mean of their bests (None: the run cell stays)."""
    gm = group.metrics.get(tag) if tag else None
    if gm is None:
        return None
    s = gm.stats
    if field == "last":
        text = format_value(s.last_mean)
        if s.n >= 2:
            text = (
                range_text(s.last_min, s.last_max, width)
                if spread == "range"
                else forecast_text(s.last_mean, s.last_std, width)
            )
        style = "yellow" if s.nonfinite else ""
        return Text(text.rjust(width), style=style, no_wrap=True)
    if field == "best":
        return Text(format_value(s.best_mean).rjust(width), style="dim", no_wrap=True)
    return None


def group_cells(
    group: GroupSummary,
    columns: list[Column],
    expanded: bool,
    now: float,
    shown: int | None = None,
    label: str | None = None,
    spread: str = "std",
) -> list[Text]:
    """The cells of a group row for ``columns`` (``label``: the short label to show;
    ``spread``: ``std`` or ``range``, how the last values' spread is written)."""
    cells = row_cells(group.row, columns, False, now)
    for i, col in enumerate(columns):
        if col.key == "flags":
            flags = Text(OPEN if expanded else CLOSED, style="bold cyan")
            flags.append(STATE_GLYPHS.get(group.row.state, "?"), STATE_STYLES.get(group.row.state))
            flags.append("!" if group.alerting else " ", style="bold red")
            cells[i] = flags
        elif col.key == "name":
            cells[i] = group_name_cell(group, col.width, shown, label)
        elif col.key in ("forecast",) or col.field == "eta":
            cells[i] = Text("-".rjust(col.width), style="dim")
        elif col.field in ("last", "best"):
            cell = mean_cell(group, col.metric, col.field, col.width, spread)
            if cell is not None:
                cells[i] = cell
        elif right_aligned(col) and not cells[i].plain.strip():
            cells[i] = Text("-".rjust(col.width), style="dim")
    return cells


def member_cells(run: RunSummary, columns: list[Column], marked: bool, now: float) -> list[Text]:
    """A member's run cells, its name indented under its group."""
    cells = row_cells(run, columns, marked, now)
    for i, col in enumerate(columns):
        if col.key == "name":
            inner = name_cell(run, marked, max(4, col.width - len(MEMBER_INDENT)))
            cells[i] = RunNameText(MEMBER_INDENT + inner.plain, run.name, str(inner.style))
    return cells
