"""The runs the table shows and the header's counts, worked out again only for what changed.

A tick hands a new snapshot, but most of its run summaries are the objects of the last
one (a run that received no points keeps its summary). Each snapshot is compared once,
object by object, with the last: only the summaries that are new objects are filtered,
given a sort key and counted again. When no summary, the filter, the order and the
width are those of the last tick, the same list and columns come back (the table then
knows at once that nothing changed).

What the table and the column fitting build from the shown list is kept by them while
the list's names are the same: :attr:`VisibleRuns.order_generation` moves only when the
names or their order change, :attr:`VisibleRuns.names_generation` only when the set of
names does, and :meth:`VisibleRuns.entered_since` tells which summaries are new in the
list since an earlier one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, is_not

import numpy as np

from tfwatch.filtering import RunFilter
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.model.run_states import ALL_STATES
from tfwatch.ui.columns import Column
from tfwatch.ui.sorting import number_function
from tfwatch.ui.widgets.header import RunCounts

_state = attrgetter("state")
_remote, _node = attrgetter("remote"), attrgetter("node")
#: How many lists back :meth:`VisibleRuns.entered_since` can tell.
_ENTERED_KEPT = 8


class VisibleRuns:
    """Filter, sort and count the snapshot's runs, again only where a summary changed.

    The runs are held by place (the snapshot's order): per place the summary, whether
    it passes the filter, and the number it sorts by, in arrays; an order is one
    ``lexsort`` of those numbers with the names' ranks (ties by name, missing last),
    however many summaries changed."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        #: Per place: the run's name and its summary; each name's place; the names' ranks.
        self._names: list[str] = []
        self._summaries: list[RunSummary] = []
        self._place: dict[str, int] = {}
        self._rank: np.ndarray = np.zeros(0, dtype=np.intp)
        self._by_rank: np.ndarray = np.zeros(0, dtype=np.intp)
        self._seen = 0  # moves when any summary changed
        self._rebuilt = True  # the places changed since the last list: nothing carried
        self._stale: set[int] = set()  # places whose summary changed since the last list
        # Header counts, kept up to date summary by summary.
        self._states: dict[str, int] = dict.fromkeys(ALL_STATES, 0)
        self._remote = self._warned = self._on_nodes = 0
        self._counts: tuple[int, RunCounts] | None = None
        # Per place: whether it passes the filter, and its sort number, for the query
        # they were made for.
        self._filter: RunFilter | None = None
        self._match: np.ndarray = np.zeros(0, dtype=bool)
        self._order: tuple[str, str | None] | None = None
        self._number: np.ndarray = np.zeros(0)
        self._key: tuple[object, ...] | None = None
        self._listed: Snapshot | None = None  # the snapshot the shown list is of
        self._shown_places: np.ndarray = np.zeros(0, dtype=np.intp)
        self._shown: list[RunSummary] = []
        #: Per list made: its generation and the summaries in it that were not in the
        #: list before (None: any may be).
        self._entered: list[tuple[int, list[RunSummary] | None]] = []
        self._columns_key: tuple[object, ...] | None = None
        self._columns: list[Column] = []
        #: Counts the lists computed: the same number means the same list.
        self.generation = 0
        #: Moves when the shown names or their order changed.
        self.order_generation = 0
        #: Moves when the set of shown names changed.
        self.names_generation = 0

    @property
    def shown(self) -> list[RunSummary]:
        """The list the last call of :meth:`runs` gave."""
        return self._shown

    def runs(
        self, snapshot: Snapshot, run_filter: RunFilter, mode: str, metric: str | None,
        reverse: bool,
    ) -> list[RunSummary]:  # fmt: skip
        """Runs passing ``run_filter``, in ``mode`` order (the list of the last call when
        neither the summaries nor the query changed)."""
        self._take(snapshot)
        self._listed = snapshot
        key = (self._seen, run_filter, mode, metric, reverse)
        if key == self._key:
            return self._shown
        self._key = key
        self.generation += 1
        rebuilt, self._rebuilt = self._rebuilt, False
        stale = np.fromiter(self._stale, dtype=np.intp, count=len(self._stale))
        self._stale = set()
        summaries = self._summaries
        was = self._match
        if rebuilt or run_filter != self._filter:
            self._filter = run_filter
            self._match = (
                np.ones(len(summaries), dtype=bool)
                if run_filter.empty
                else np.fromiter(map(run_filter.matches, summaries), bool, len(summaries))
            )
        matched_before = self._match[stale]  # (a copy)
        if len(stale) and not run_filter.empty and self._match is was:
            self._match[stale] = [run_filter.matches(summaries[i]) for i in stale.tolist()]
        order = (mode, metric)
        if mode != "name":
            number = number_function(mode, metric)
            if rebuilt or order != self._order:
                self._number = np.fromiter(map(number, summaries), float, len(summaries))
            elif len(stale):
                self._number[stale] = [number(summaries[i]) for i in stale.tolist()]
        self._order = order
        places = self._sorted(mode, reverse)
        places = places[self._match[places]]
        entered: list[RunSummary] | None
        if rebuilt:
            entered = None
            self.order_generation += 1
            self.names_generation += 1
        else:
            refiltered = self._match is not was
            new = stale[self._match[stale]].tolist()
            if refiltered:  # also the runs the new filter brought back
                new += np.flatnonzero(self._match & ~was).tolist()
            entered = list(map(summaries.__getitem__, new))
            if not np.array_equal(places, self._shown_places):
                self.order_generation += 1
            if refiltered:
                names_moved = not np.array_equal(self._match, was)
            else:
                names_moved = not np.array_equal(self._match[stale], matched_before)
            self.names_generation += names_moved
        self._shown_places = places
        self._shown = list(map(summaries.__getitem__, places.tolist()))
        self._entered.append((self.generation, entered))
        del self._entered[:-_ENTERED_KEPT]
        return self._shown

    def _sorted(self, mode: str, reverse: bool) -> np.ndarray:
        """Every place in ``mode`` order: by number (missing last), ties by name."""
        if mode == "name":
            return self._by_rank[::-1] if reverse else self._by_rank
        numbers = -self._number if reverse else self._number
        # lexsort: the last key first; NaN (missing) after every number, ties by rank.
        return np.lexsort((self._rank, numbers))

    def entered_since(self, generation: int) -> list[RunSummary] | None:
        """The summaries in the shown list that were not in the list of ``generation``
        (a superset; None when that list is too old to tell)."""
        if generation == self.generation:
            return []
        out: list[RunSummary] = []
        reached = False
        for made, entered in self._entered:
            if made == generation + 1:
                reached = True
            if made > generation:
                if entered is None:
                    return None
                out += entered
        return out if reached else None

    def holds(self, run: RunSummary) -> bool:
        """Whether ``run`` (this very summary) is in the shown list (False, in doubt,
        once a later snapshot was looked at)."""
        return self.current(run.name) is run

    def current(self, name: str) -> RunSummary | None:
        """The summary of run ``name`` in the shown list (None when it is not shown, or
        in doubt once a later snapshot was looked at)."""
        if self._listed is not self._snapshot or self._rebuilt or self._stale:
            return None
        place = self._place.get(name)
        if place is None or not self._match[place]:
            return None
        return self._summaries[place]

    @property
    def on_nodes(self) -> bool:
        """Whether any run of the last snapshot looked at names the node it runs on."""
        return self._on_nodes > 0

    def _take(self, snapshot: Snapshot) -> None:
        """Look at ``snapshot`` (once): which summaries are not the objects of the last
        snapshot looked at; count and mark those alone. Runs found or gone, or in
        another order, place every run anew."""
        if snapshot is self._snapshot:
            return
        self._snapshot = snapshot
        summaries = list(snapshot.runs.values())
        old = self._summaries
        if len(summaries) == len(old) and list(snapshot.runs) == self._names:
            changed = list(compress(range(len(old)), map(is_not, summaries, old)))
            if not changed:
                return
            self._count([old[i] for i in changed], -1)
            self._count([summaries[i] for i in changed], 1)
            self._stale.update(changed)
        else:
            self._count(old, -1)
            self._count(summaries, 1)
            self._place_anew(snapshot)
        self._summaries = summaries
        self._seen += 1

    def _place_anew(self, snapshot: Snapshot) -> None:
        self._names = list(snapshot.runs)
        self._place = dict(zip(self._names, range(len(self._names)), strict=True))
        # Ties go by the name the summary shows (the snapshot's key is that name).
        shown_names = [r.name for r in snapshot.runs.values()]
        self._by_rank = np.array(
            sorted(range(len(shown_names)), key=shown_names.__getitem__), dtype=np.intp
        )
        self._rank = np.empty(len(shown_names), dtype=np.intp)
        self._rank[self._by_rank] = np.arange(len(shown_names))
        self._rebuilt = True
        self._stale = set()

    def _count(self, runs: list[RunSummary], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) ``runs`` from the header's counts."""
        if not runs:
            return
        states = self._states
        for state, n in Counter(map(_state, runs)).items():
            states[state] = states.get(state, 0) + sign * n
        self._remote += sign * sum(map(_remote, runs))
        self._warned += sign * sum(1 for r in runs if r.alerts and r.warned)
        self._on_nodes += sign * sum(map(is_not, map(_node, runs), repeat(None)))

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
