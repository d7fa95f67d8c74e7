"""CPU and memory use of the processes that write runs, for the system panel.

psutil measures a process's CPU % between two calls on the same ``Process`` object, so
the objects are kept from one tick to the next (keyed by PID and start time, so a reused
PID starts afresh); a process's first reading has no CPU % yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import psutil

#: Start times closer than this name the same process.
_SAME_PROCESS_S = 1.0


@dataclass(frozen=True)
class ProcessUsage:
    """One process's CPU % (of one core; None on its first reading) and resident memory."""

    cpu_percent: float | None
    memory_rss: int | None


class ProcessUsageSampler:
    """Samples the processes it is given on each call; forgets the others."""

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def sample(self, targets: Mapping[int, float]) -> dict[int, ProcessUsage]:
        """Usage of each process in ``targets`` (PID → start time) still alive."""
        kept: dict[int, psutil.Process] = {}
        out: dict[int, ProcessUsage] = {}
        for pid, create_time in targets.items():
            proc = self._procs.get(pid)
            first = proc is None
            try:
                if proc is None:
                    proc = psutil.Process(pid)
                with proc.oneshot():
                    if abs(proc.create_time() - create_time) > _SAME_PROCESS_S:
                        continue  # the PID now names another process
                    cpu = proc.cpu_percent(None)
                    rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            except psutil.AccessDenied:
                out[pid] = ProcessUsage(None, None)
                continue
            kept[pid] = proc
            out[pid] = ProcessUsage(None if first else cpu, rss)
        self._procs = kept
        return out
