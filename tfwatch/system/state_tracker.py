"""Run states over time (live app) and in one shot (``tfwatch ls``).

The live app keeps, per run, the last scan that saw its writer alive, so a writer that
vanishes can be judged (see :mod:`run_state`), and the times at which the run's files
were seen to change, so its cadence includes how often the writer actually flushes
(event wall times alone miss writers that buffer for minutes). What is learnt of how a
writer ended — the signal tfwatch sent it (:meth:`RunStateTracker.note_signal`, called
from the UI thread) or the exit status a scan caught — stays with its sighting.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tfwatch.model.run_states import StateThresholds
from tfwatch.system.linkage import RunFiles, RunLink, RunLinker
from tfwatch.system.processes import ProcessTable, scan_processes
from tfwatch.system.run_state import (
    RunProgress,
    RunStatus,
    Sighting,
    classify_run,
)

#: File changes remembered per run to estimate how often it flushes.
_GROWTH_HISTORY = 16
#: Start times closer than this name the same process (PID reuse takes far longer).
_SAME_PROCESS_S = 1.0


@dataclass
class _RunMemory:
    sighting: Sighting | None = None
    last_mtime: float = 0.0
    growth: deque[float] | None = None

    def growth_cadence(self) -> float | None:
        if self.growth is None or len(self.growth) < 4:
            return None
        times = list(self.growth)
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        return (gaps[(len(gaps) - 1) // 2] + gaps[len(gaps) // 2]) / 2


class RunStateTracker:
    """Classifies runs after each process scan, remembering writers between scans."""

    def __init__(self, thresholds: StateThresholds | None = None) -> None:
        self.thresholds = thresholds or StateThresholds()
        self._memory: dict[str, _RunMemory] = {}
        #: Signals tfwatch sent, by PID: (the process's create time, the signal's name).
        self._signalled: dict[int, tuple[float, str]] = {}
        self._signals_lock = threading.Lock()

    def note_signal(self, pid: int, create_time: float, name: str) -> None:
        """Remember that tfwatch sent ``name`` to this process (any thread may call it)."""
        with self._signals_lock:
            self._signalled[pid] = (create_time, name)

    def _how_it_ended(self, seen: Sighting, exits: Mapping[int, int]) -> Sighting:
        """``seen`` with what is now known of its end (kept: a zombie is seen once)."""
        with self._signals_lock:
            sent = self._signalled.get(seen.pid)
        if sent is not None and abs(sent[0] - seen.create_time) < _SAME_PROCESS_S:
            seen = replace(seen, stopped_by=seen.stopped_by or sent[1])
        status = exits.get(seen.pid)
        if status is not None and seen.exit_status is None:
            seen = replace(seen, exit_status=status)
        return seen

    def update(
        self,
        links: Mapping[str, RunLink],
        progress: Mapping[str, RunProgress],
        scan_time: float,
        now: float | None = None,
        exits: Mapping[int, int] | None = None,
    ) -> dict[str, RunStatus]:
        """States of every linked run after a scan taken at ``scan_time``; ``exits``: the
        wait status of processes that scan found ended but unreaped, by PID."""
        now = time.time() if now is None else now
        states: dict[str, RunStatus] = {}
        for name, link in links.items():
            mem = self._memory.setdefault(name, _RunMemory())
            if link.last_write > mem.last_mtime:
                if mem.last_mtime > 0:
                    if mem.growth is None:
                        mem.growth = deque(maxlen=_GROWTH_HISTORY)
                    mem.growth.append(link.last_write)
                mem.last_mtime = link.last_write
            if link.remote and mem.sighting is not None:
                # Its host name is not ours, but we saw a local process write it (a
                # container's): the run stays local, and its writer's end is judged.
                link = replace(link, remote=False)
            prog = progress.get(name, RunProgress())
            observed = mem.growth_cadence()
            if observed is not None and observed > (prog.cadence or 0.0):
                prog = replace(prog, cadence=observed)
            vanished = self._vanished(mem, link, prog, scan_time)
            if vanished is not None:
                vanished = mem.sighting = self._how_it_ended(vanished, exits or {})
            if link.pid is not None and link.create_time is not None:
                mem.sighting = Sighting(link.pid, link.create_time, scan_time)
            states[name] = classify_run(link, prog, now, vanished, self.thresholds)
        for gone in set(self._memory) - set(links):
            del self._memory[gone]
        return states

    def _vanished(
        self, mem: _RunMemory, link: RunLink, prog: RunProgress, scan_time: float
    ) -> Sighting | None:
        """The sighting of a writer that is no longer linked, while it still matters."""
        seen = mem.sighting
        if seen is None or link.pid is not None:
            return None
        written = max(link.last_write, prog.last_event_time)
        # Writes well after the writer vanished come from someone else (a restart we
        # cannot see): the old writer no longer explains the run.
        if written > seen.seen_at + self.thresholds.stall_threshold(prog.cadence):
            mem.sighting = None
            return None
        return seen


def assess_runs(
    runs: Sequence[tuple[RunFiles, RunProgress]],
    table: ProcessTable | None = None,
    now: float | None = None,
    thresholds: StateThresholds | None = None,
) -> dict[str, tuple[RunLink, RunStatus]]:
    """One-shot link and state of each run (no history), for ``tfwatch ls``."""
    table = scan_processes() if table is None else table
    links = RunLinker().link([files for files, _ in runs], table)
    now = time.time() if now is None else now
    limits = thresholds or StateThresholds()
    return {
        files.name: (
            links[files.name],
            classify_run(links[files.name], prog, now, None, limits),
        )
        for files, prog in runs
    }
