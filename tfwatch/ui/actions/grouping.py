"""``g``: grouping off → by hparams except seeds → by parent directory → ``--group-by``;
Enter/→/← open and close a group.

The groups themselves are built on the ingest thread (see
:mod:`tfwatch.live.group_view`); this keeps which grouping is asked for, which groups
are open, and turns the latest :class:`~tfwatch.live.group_view.Grouping` into the
table's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from functools import partial

from rich.text import Text

from tfwatch.filtering import RunFilter
from tfwatch.live.facade import SEED_KEYS, GroupBy, group_runs, short_labels
from tfwatch.live.group_view import Grouping, GroupSummary
from tfwatch.live.view_models import RunSummary
from tfwatch.text.safe_text import printable
from tfwatch.ui.columns import VALUE_WIDTH, Column
from tfwatch.ui.group_rows import (
    MEAN_STD_WIDTH,
    MEMBER_INDENT,
    GroupedRows,
    group_cells,
    grouped_rows,
    member_cells,
    status_text,
)
from tfwatch.ui.widgets.runs_table import CellMaker


def grouping_cycle(given: GroupBy | None, seed_keys: tuple[str, ...]) -> list[GroupBy | None]:
    """What ``g`` steps through: off, hparams, directory, then ``--group-by`` if given
    (and not one of those)."""
    cycle: list[GroupBy | None] = [
        None,
        GroupBy("hparams", seed_keys=seed_keys),
        GroupBy("dir", seed_keys=seed_keys),
    ]
    if given is not None and given not in cycle:
        cycle.append(given)
    return cycle


class GroupingControl:
    """The app's grouping state: the cycle, the open groups, the latest groups."""

    def __init__(self, given: GroupBy | None = None, seed_keys: tuple[str, ...] = SEED_KEYS):
        #: Hparam names that tell seeds apart (left out of groups and importance).
        self.seed_keys = seed_keys
        self.cycle = grouping_cycle(given, seed_keys)
        #: Start grouped when ``--group-by`` was given.
        self.index = len(self.cycle) - 1 if given is not None else 0
        #: Ids of the open groups.
        self.expanded: set[str] = set()
        self.grouping: Grouping | None = None
        self._last: GroupedRows | None = None
        #: Per group row: what its cell maker draws and the maker, reused while the same,
        #: so the table keeps an unchanged group row's cells.
        self._makers: dict[str, tuple[GroupSummary, bool, int, CellMaker]] = {}
        #: How a group row writes its members' spread: ``std`` (mean±std) or ``range``
        #: (min–max); ``b`` switches.
        self.spread = "std"

    @property
    def spec(self) -> GroupBy | None:
        """The grouping asked for (None: off)."""
        return self.cycle[self.index]

    def next(self) -> GroupBy | None:
        """Step to the next grouping of the cycle and return it."""
        self.index = (self.index + 1) % len(self.cycle)
        self.grouping = None
        self._last = None
        self._makers.clear()
        self.expanded.clear()
        return self.spec

    def receive(self, grouping: Grouping | None) -> None:
        """Keep ``grouping`` if it is what is asked for now (a late one is dropped)."""
        if grouping is not None and grouping.spec == self.spec:
            self.grouping = grouping

    @property
    def active(self) -> bool:
        """Whether the table shows groups now."""
        return self.spec is not None and self.grouping is not None

    def rows(
        self,
        runs: Mapping[str, RunSummary],
        run_filter: RunFilter,
        mode: str,
        metric: str | None,
        reverse: bool,
    ) -> tuple[list[RunSummary], dict[str, CellMaker]]:
        """The table's rows (group rows as their group's run summary) and the cell
        makers of the rows that are not plain runs."""
        assert self.grouping is not None
        grouped = grouped_rows(
            self.grouping, runs, run_filter, mode, metric, reverse, self.expanded
        )
        self._last = grouped
        out: list[RunSummary] = []
        makers: dict[str, CellMaker] = {}
        for row in grouped.rows:
            if isinstance(row, GroupSummary):
                makers[row.id] = self._maker(row, len(grouped.matching[row.id]))
                out.append(row.row)
            else:
                makers[row.name] = member_cells
                out.append(row)
        return out, makers

    def _maker(self, group: GroupSummary, shown: int) -> CellMaker:
        is_open = group.id in self.expanded
        known = self._makers.get(group.id)
        if known is not None and known[0] is group and known[1:3] == (is_open, shown):
            return known[3]
        label = self.grouping.label_of(group) if self.grouping is not None else group.label
        maker = partial(_group_maker, group, is_open, shown, label, self.spread)
        self._makers[group.id] = (group, is_open, shown, maker)
        return maker

    def fit_columns(self, fit: Callable[[int], list[Column]], width: int) -> list[Column]:
        """``fit(width)``'s columns, with room for ``mean±std`` in each metric's value
        column while grouped: the other columns give way, as on a narrower screen."""
        if not self.active:
            return fit(width)
        columns = fit(width)
        extra = sum(1 for c in columns if c.field == "last") * (MEAN_STD_WIDTH - VALUE_WIDTH)
        return [
            replace(c, width=max(c.width, MEAN_STD_WIDTH)) if c.field == "last" else c
            for c in fit(width - extra)
        ]

    def name_need(self) -> int:
        """Cells the name column needs for the rows shown: group labels with their
        counts, and the open groups' members (indented)."""
        members = self._last.parent if self._last is not None else {}
        widest = max((len(printable(n)) for n in members), default=0)
        return max(self.longest_label(), widest + len(MEMBER_INDENT))

    def longest_label(self) -> int:
        """The widest group name cell (label and counts) of the latest groups."""
        if self.grouping is None:
            return 0
        return max(
            (
                len(self.grouping.label_of(g)) + len(status_text(g)) + 1
                for g in self.grouping.groups
            ),
            default=0,
        )

    def runs_shown(self) -> int:
        """Member runs that pass the filter, over the groups shown (the header's count)."""
        return sum(len(m) for m in self._last.matching.values()) if self._last else 0

    def compare_groups(
        self,
        order: Sequence[str],
        marked: Collection[str],
        runs: Mapping[str, RunSummary],
        top: int,
    ) -> list[tuple[str, list[str]]]:
        """(label, members) of the groups to compare as bands: the marked groups, else the
        marked runs grouped the current way, else the first ``top`` groups shown. Members
        are those passing the filter."""
        spec, last = self.spec, self._last
        if spec is None or last is None or self.grouping is None:
            return []
        by_id = self.grouping.by_id()
        chosen = [k for k in order if k in marked and k in by_id]
        if chosen:
            return [(self.grouping.label_of(by_id[k]), self.members_shown(k)) for k in chosen]
        picked = [n for n in order if n in marked and n in runs]
        picked += sorted(n for n in marked if n in runs and n not in picked)
        if picked:
            keyed = group_runs(spec, ((n, runs[n].hparams) for n in picked))
            labels = short_labels(keyed)
            return [(labels[k], names) for k, names in keyed.items()]
        ids = [k for k in order if k in by_id][:top]
        return [(self.grouping.label_of(by_id[k]), self.members_shown(k)) for k in ids]

    def group_of_row(self, key: str | None) -> GroupSummary | None:
        """The group whose row is ``key`` (None: a run's row, or not grouped)."""
        if key is None or self.grouping is None:
            return None
        return next((g for g in self.grouping.groups if g.id == key), None)

    def parent_of(self, key: str | None) -> str | None:
        """The group id a member row sits under (None: not a member row)."""
        if key is None or self._last is None:
            return None
        return self._last.parent.get(key)

    def members_shown(self, key: str) -> list[str]:
        """The members of group ``key`` that pass the filter."""
        return list(self._last.matching.get(key, [])) if self._last is not None else []

    def open_group_of(self, run: str) -> bool:
        """Open the group that holds ``run``; whether one had to be opened."""
        if self.grouping is None:
            return False
        group = next((g for g in self.grouping.groups if run in g.members), None)
        if group is None or group.id in self.expanded:
            return False
        self.expanded.add(group.id)
        return True

    def switch_spread(self) -> str:
        """Write the spread the other way (mean±std ↔ min–max); returns the new way."""
        self.spread = "range" if self.spread == "std" else "std"
        self._makers.clear()
        return self.spread

    def toggle(self, key: str) -> None:
        """Open group ``key`` if closed, close it if open."""
        self.expanded.symmetric_difference_update({key})


def _group_maker(
    group: GroupSummary,
    expanded: bool,
    shown: int,
    label: str,
    spread: str,
    _run: object,
    columns: list[Column],
    _marked: bool,
    now: float,
) -> list[Text]:
    return group_cells(group, columns, expanded, now, shown, label, spread)
