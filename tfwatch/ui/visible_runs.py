"""The runs the table shows and the header's counts, worked out again only for what changed.

A tick hands a new snapshot, but most of its run summaries are the objects of the last
one (a run that received no points keeps its summary). Each snapshot is compared once,
object by object, with the last: only the summaries that are new objects are filtered,
given a sort key and counted again. When no summary, the filter, the order and the
width are those of the last tick, the same list and columns come back (the table then
knows at once that nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress
from operator import is_not
from typing import TypeVar

from tfwatch.filtering import RunFilter
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.model.run_states import ALL_STATES
from tfwatch.ui.columns import Column
from tfwatch.ui.sorting import sort_key
from tfwatch.ui.widgets.header import RunCounts

SortKey = tuple[int, float, str]
T = TypeVar("T")


class VisibleRuns:
    """Filter, sort and count the snapshot's runs, again only where a summary changed."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._summaries: list[RunSummary] = []
        self._by_name: dict[str, RunSummary] = {}
        self._seen = 0  # moves when any summary changed
        # Header counts, kept up to date summary by summary.
        self._states: dict[str, int] = dict.fromkeys(ALL_STATES, 0)
        self._remote = self._warned = 0
        self._counts: tuple[int, RunCounts] | None = None
        # Per run: whether it passes the filter, and its sort key, for the query they
        # were made for; names changed since (made again on the next call of runs()).
        self._filter: RunFilter | None = None
        self._matches: dict[str, bool] = {}
        self._order: tuple[str, str | None, bool] | None = None
        self._keys: dict[str, SortKey] = {}
        self._stale: set[str] = set()
        self._key: tuple[object, ...] | None = None
        self._shown: list[RunSummary] = []
        self._columns_key: tuple[object, ...] | None = None
        self._columns: list[Column] = []
        #: Counts the lists computed: the same number means the same list.
        self.generation = 0

    def runs(
        self, snapshot: Snapshot, run_filter: RunFilter, mode: str, metric: str | None,
        reverse: bool,
    ) -> list[RunSummary]:  # fmt: skip
        """Runs passing ``run_filter``, in ``mode`` order (the list of the last call when
        neither the summaries nor the query changed)."""
        self._take(snapshot)
        key = (self._seen, run_filter, mode, metric, reverse)
        if key == self._key:
            return self._shown
        self._key = key
        self.generation += 1
        by_name, stale = self._by_name, self._stale
        self._stale = set()
        if run_filter != self._filter:
            self._filter = run_filter
            self._matches = (
                dict.fromkeys(by_name, True)
                if run_filter.empty
                else {n: run_filter.matches(r) for n, r in by_name.items()}
            )
        else:
            self._update(self._matches, stale, lambda r: run_filter.matches(r))
        order = (mode, metric, reverse)
        if order != self._order:
            self._order = order
            self._keys = {n: sort_key(r, mode, metric, reverse) for n, r in by_name.items()}
        else:
            self._update(self._keys, stale, lambda r: sort_key(r, mode, metric, reverse))
        matches, keys = self._matches, self._keys
        shown = [keys[n] for n in compress(matches, matches.values())]
        shown.sort(reverse=reverse and mode == "name")
        self._shown = [by_name[name] for _, _, name in shown]
        return self._shown

    def _update(
        self, made: dict[str, T], names: Iterable[str], make: Callable[[RunSummary], T]
    ) -> None:
        by_name = self._by_name
        for name in names:
            run = by_name.get(name)
            if run is None:
                made.pop(name, None)
            else:
                made[name] = make(run)

    def _take(self, snapshot: Snapshot) -> None:
        """Look at ``snapshot`` (once): which summaries are not the objects of the last
        snapshot looked at; count and mark those alone."""
        if snapshot is self._snapshot:
            return
        self._snapshot = snapshot
        summaries = list(snapshot.runs.values())
        old = self._summaries
        if len(summaries) == len(old):
            gone = list(compress(old, map(is_not, summaries, old)))
            came = list(compress(summaries, map(is_not, summaries, old)))
        else:
            gone, came = old, summaries
        self._summaries = summaries
        if not came and not gone:
            return
        self._seen += 1
        for run in gone:
            self._count(run, -1)
            self._by_name.pop(run.name, None)
            self._stale.add(run.name)
        for run in came:
            self._count(run, 1)
            self._by_name[run.name] = run
            self._stale.add(run.name)
        if len(self._by_name) != len(summaries):  # (a name given twice: not kept apart)
            self._by_name = {r.name: r for r in summaries}

    def _count(self, run: RunSummary, sign: int) -> None:
        self._states[run.state] = self._states.get(run.state, 0) + sign
        self._remote += sign * run.remote
        self._warned += sign * (bool(run.alerts) and run.warned)

    def counts(self, snapshot: Snapshot) -> RunCounts:
        """The header's counts over every run."""
        self._take(snapshot)
        if self._counts is None or self._counts[0] != self._seen:
            states = {s: n for s, n in self._states.items() if n or s in ALL_STATES}
            self._counts = (self._seen, RunCounts(states, self._remote, self._warned))
        return self._counts[1]

    def columns(self, key: tuple[object, ...], fit: Callable[[], list[Column]]) -> list[Column]:
        """``fit()``, or what it gave last for the same ``key`` (which must name every
        input of ``fit``, the shown list's identity among them)."""
        if key != self._columns_key:
            self._columns = fit()
            self._columns_key = key
        return self._columns
