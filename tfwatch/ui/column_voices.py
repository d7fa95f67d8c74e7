"""Which columns have something to say for the runs shown, kept from tick to tick.

:func:`fit_columns` leaves out a column whose every cell is ``n/a`` or ``-``. Asked
afresh, that reads every run for every column that says nothing (10,000 runs: tens of
milliseconds a tick). Here a column that speaks remembers one run it speaks for (its
witness: one look while that run's summary is the same object), and a silent column
remembers the summaries it was silent for, so that only summaries it has not seen are
read (those of runs that received points, or that a filter brought back).
"""

from __future__ import annotations

from collections.abc import Sequence

from tfwatch.live.view_models import RunSummary
from tfwatch.ui.columns import Column, cell_says_nothing, column_never_silent

#: A column's identity across ticks (its width and label may change).
ColumnId = tuple[str, str | None, str]


class ColumnVoices:
    """``says_nothing(col, runs)`` as :func:`fit_columns` asks it, remembered."""

    def __init__(self) -> None:
        self._witness: dict[ColumnId, RunSummary] = {}
        #: Per silent column: the summaries (by id, kept alive here) found silent.
        self._silent: dict[ColumnId, dict[int, RunSummary]] = {}
        #: The last list asked about and its summaries by id (one map per list).
        self._ids_of: tuple[Sequence[RunSummary], dict[int, RunSummary]] = ((), {})

    def _ids(self, runs: Sequence[RunSummary]) -> dict[int, RunSummary]:
        if self._ids_of[0] is not runs:
            self._ids_of = (runs, {id(r): r for r in runs})
        return self._ids_of[1]

    def says_nothing(self, col: Column, runs: Sequence[RunSummary]) -> bool:
        """Whether every one of ``runs`` (at least one) shows ``n/a`` or nothing."""
        if not runs or column_never_silent(col):
            return False
        cid: ColumnId = (col.key, col.metric, col.field)
        by_id = self._ids(runs)
        witness = self._witness.get(cid)
        if witness is not None and id(witness) in by_id and not cell_says_nothing(col, witness):
            return False
        self._witness.pop(cid, None)
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
