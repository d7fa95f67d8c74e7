"""Which columns have something to say for the runs shown, kept from tick to tick.

:func:`fit_columns` leaves out a column whose every cell is ``n/a`` or ``-``. Asked
afresh, that reads every run for every column that says nothing (10,000 runs: tens of
milliseconds a tick). Here a column that speaks remembers one run it speaks for (its
witness: one look while that summary is still shown, else a look at the run's new
summary), and a silent column remembers the list it was found silent for, so that only
the summaries that entered the list since are read (those of runs that received
points, or that a filter brought back; :meth:`VisibleRuns.entered_since`).

A list that is not the one :class:`VisibleRuns` made last (the grouped table's rows) is
read the same way, with the summaries it was silent for remembered by identity instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from tfwatch.live.view_models import RunSummary
from tfwatch.ui.columns import Column, cell_says_nothing, column_never_silent
from tfwatch.ui.visible_runs import VisibleRuns

#: A column's identity across ticks (its width and label may change).
ColumnId = tuple[str, str | None, str]


class ColumnVoices:
    """``says_nothing(col, runs)`` as :func:`fit_columns` asks it, remembered."""

    def __init__(self, visible: VisibleRuns) -> None:
        self._visible = visible
        self._witness: dict[ColumnId, RunSummary] = {}
        #: Per silent column: the generation of the shown list it was silent for.
        self._silent_at: dict[ColumnId, int] = {}
        #: Per silent column, for other lists: the summaries (by id, kept alive here)
        #: found silent.
        self._silent: dict[ColumnId, dict[int, RunSummary]] = {}
        #: The last other list asked about and its summaries by id.
        self._ids_of: tuple[Sequence[RunSummary], dict[int, RunSummary]] = ((), {})

    def says_nothing(self, col: Column, runs: Sequence[RunSummary]) -> bool:
        """Whether every one of ``runs`` (at least one) shows ``n/a`` or nothing."""
        if not runs or column_never_silent(col):
            return False
        cid: ColumnId = (col.key, col.metric, col.field)
        if runs is self._visible.shown:
            return self._shown_silent(cid, col, runs)
        return self._other_silent(cid, col, runs)

    def _shown_silent(self, cid: ColumnId, col: Column, runs: Sequence[RunSummary]) -> bool:
        visible = self._visible
        witness = self._witness.get(cid)
        if witness is not None:
            if visible.holds(witness):
                return False  # (a summary never changes: it still speaks)
            now = visible.current(witness.name)
            if now is not None and not cell_says_nothing(col, now):
                self._witness[cid] = now
                return False
            del self._witness[cid]
        at = self._silent_at.pop(cid, None)
        entered = visible.entered_since(at) if at is not None else None
        for run in runs if entered is None else entered:
            if not cell_says_nothing(col, run):
                self._witness[cid] = run
                return False
        self._silent_at[cid] = visible.generation
        return True

    def _other_silent(self, cid: ColumnId, col: Column, runs: Sequence[RunSummary]) -> bool:
        if self._ids_of[0] is not runs:
            self._ids_of = (runs, {id(r): r for r in runs})
        by_id = self._ids_of[1]
        witness = self._witness.get(cid)
        if witness is not None and id(witness) in by_id:
            return False
        self._witness.pop(cid, None)
        self._silent_at.pop(cid, None)
        silent = self._silent.setdefault(cid, {})
        if len(silent) > 2 * len(runs) + 1000:
            silent.clear()  # old summaries: let them go
        # Set operations on the ids: only the summaries not yet found silent are read.
        for key in by_id.keys() - silent.keys():
            run = by_id[key]
            if not cell_says_nothing(col, run):
                self._witness[cid] = run
                return False
            silent[key] = run
        return True
