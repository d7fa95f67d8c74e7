"""The runs the table shows and the columns that fit them, kept while nothing changed.

A tick hands a new snapshot, but most of its run summaries are the objects of the last
one (a run that received no points keeps its summary). When every summary, the filter,
the order and the width are those of the last tick, the same list and columns come
back (the table then knows at once that nothing changed); otherwise they are computed
again over plain lists.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import is_

from tfwatch.filtering import RunFilter
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.ui.columns import Column
from tfwatch.ui.sorting import sort_runs
from tfwatch.ui.widgets.header import RunCounts, run_counts


class VisibleRuns:
    """Filter and sort the snapshot's runs, again only when something they read changed."""

    def __init__(self) -> None:
        self._summaries: list[RunSummary] = []
        self._key: tuple[object, ...] | None = None
        self._shown: list[RunSummary] = []
        self._columns_key: tuple[object, ...] | None = None
        self._columns: list[Column] = []
        self._snapshot: Snapshot | None = None
        self._seen = 0
        self._counts: tuple[int, RunCounts] | None = None
        #: Counts the lists computed: the same number means the same list.
        self.generation = 0

    def runs(
        self, snapshot: Snapshot, run_filter: RunFilter, mode: str, metric: str | None,
        reverse: bool,
    ) -> list[RunSummary]:  # fmt: skip
        """Runs passing ``run_filter``, in ``mode`` order (the list of the last call when
        neither the summaries nor the query changed)."""
        key = (self._summaries_seen(snapshot), run_filter, mode, metric, reverse)
        if key == self._key:
            return self._shown
        self._key = key
        self.generation += 1
        runs = [r for r in self._summaries if run_filter.matches(r)]
        by_name = {r.name: r for r in runs}
        self._shown = [by_name[n] for n in sort_runs(runs, mode, metric, reverse)]
        return self._shown

    def _summaries_seen(self, snapshot: Snapshot) -> int:
        """A number that changes when ``snapshot``'s summaries are not the very objects
        of the last snapshot looked at (each snapshot is compared once)."""
        if snapshot is not self._snapshot:
            summaries = list(snapshot.runs.values())
            same = len(summaries) == len(self._summaries) and all(
                map(is_, summaries, self._summaries)
            )
            self._snapshot, self._summaries = snapshot, summaries
            self._seen += 0 if same else 1
        return self._seen

    def counts(self, snapshot: Snapshot) -> RunCounts:
        """The header's counts over every run, again only when a summary changed."""
        seen = self._summaries_seen(snapshot)
        if self._counts is None or self._counts[0] != seen:
            self._counts = (seen, run_counts(snapshot))
        return self._counts[1]

    def columns(self, key: tuple[object, ...], fit: Callable[[], list[Column]]) -> list[Column]:
        """``fit()``, or what it gave last for the same ``key`` (which must name every
        input of ``fit``, the shown list's identity among them)."""
        if key != self._columns_key:
            self._columns = fit()
            self._columns_key = key
        return self._columns
