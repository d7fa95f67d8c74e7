"""A run's state: the system monitor's view where it has one, else recency alone."""

from __future__ import annotations

from tfwatch.live.recency import run_state
from tfwatch.model.run_states import RunState
from tfwatch.system.run_state import RunStatus


def system_state(
    state: RunStatus | None, activity: float, gone: bool, now: float
) -> tuple[str, int | None, str, bool]:
    """(state, live pid, reason, remote): the monitor's view, else recency alone."""
    if gone:
        return RunState.GONE, None, "the run directory is gone", False
    if state is None:
        return (
            run_state(activity, gone, now),
            None,
            "from write recency alone (no process scan has covered it)",
            False,
        )
    pid = state.pid if state.alive else None
    return state.state, pid, state.reason, state.remote
