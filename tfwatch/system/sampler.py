"""The background thread that samples the host and the GPUs (~1 Hz) and scans processes
(every few seconds), publishing each result as one immutable :class:`SystemSnapshot`.

The screen only reads :attr:`SystemSampler.snapshot`; nothing it does waits on NVML,
``/proc`` or psutil. The runs to link come from a callable the app supplies: it is called
on the sampler thread and must return plain data quickly (a copy taken under the store's
lock, not the live store).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from tfwatch.model.run_states import StateThresholds
from tfwatch.system.gpu_readings import GpuSample
from tfwatch.system.host import HostReading, HostSampler
from tfwatch.system.linkage import RunFiles, RunLink, RunLinker
from tfwatch.system.nvml_adapter import NvmlAdapter
from tfwatch.system.process_usage import ProcessUsageSampler
from tfwatch.system.processes import ProcessInfo, ProcessTable, describe_process, scan_processes
from tfwatch.system.run_state import RunProgress, RunStatus
from tfwatch.system.snapshot import (
    DiskHistory,
    GpuProcessRow,
    GpuRow,
    RunProcessRow,
    SystemSnapshot,
)
from tfwatch.system.state_tracker import RunStateTracker

RunsProvider = Callable[[], Sequence[tuple[RunFiles, RunProgress]]]
log = logging.getLogger(__name__)
#: Parent links followed to attribute a GPU process to a run (DDP ranks, workers).
_ANCESTRY_DEPTH = 6


def _nan(x: float | None) -> float:
    return math.nan if x is None else x


class SystemSampler:
    """Samples in a daemon thread; :attr:`snapshot` is always the latest complete one."""

    def __init__(
        self,
        runs: RunsProvider | None = None,
        log_roots: Sequence[str] = (),
        gpu: NvmlAdapter | None = None,
        host_interval: float = 1.0,
        process_interval: float = 3.0,
        history: int = 120,
        thresholds: StateThresholds | None = None,
        hostname: str | None = None,
        on_update: Callable[[SystemSnapshot], None] | None = None,
    ) -> None:
        self.host_interval = host_interval
        self.process_interval = process_interval
        self._runs = runs
        self._gpu = gpu if gpu is not None else NvmlAdapter()
        self._host = HostSampler(log_roots)
        self._linker = RunLinker(hostname)
        self._tracker = RunStateTracker(thresholds)
        self._usage = ProcessUsageSampler()
        self._on_update = on_update
        self._cpu: deque[float] = deque(maxlen=history)
        self._mem: deque[float] = deque(maxlen=history)
        n_disks = len(self._host.volumes)
        self._disk = [
            (deque[float](maxlen=history), deque[float](maxlen=history)) for _ in range(n_disks)
        ]
        self._gpu_util: dict[int, deque[float]] = {}
        self._gpu_mem: dict[int, deque[float]] = {}
        self._history = history
        self._table = ProcessTable(time=0.0)
        self._links: Mapping[str, RunLink] = MappingProxyType({})
        self._states: Mapping[str, RunStatus] = MappingProxyType({})
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: The latest complete snapshot (replaced whole; safe to read from any thread).
        self.snapshot = SystemSnapshot()

    # -- thread --------------------------------------------------------------------

    def start(self) -> None:
        """Start sampling in a daemon thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="tfwatch-system", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and release NVML."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._gpu.shutdown()

    def _loop(self) -> None:
        next_scan = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            scan = started >= next_scan
            try:
                self.tick(scan_processes_now=scan)
            except Exception as err:  # keep sampling: one bad tick must not end the panel
                log.exception("system sampling failed")
                self.snapshot = _with_error(self.snapshot, f"{type(err).__name__}: {err}")
            if scan:
                next_scan = started + self.process_interval
            self._stop.wait(max(0.0, self.host_interval - (time.monotonic() - started)))

    def note_signal(self, pid: int, create_time: float, name: str) -> None:
        """Remember that tfwatch sent ``name`` to this process, so that the run it
        wrote reads as stopped once it is gone (call from any thread)."""
        self._tracker.note_signal(pid, create_time, name)

    # -- one tick ------------------------------------------------------------------

    def tick(self, scan_processes_now: bool = True) -> SystemSnapshot:
        """Take one sample (and a process scan if asked); publish and return it."""
        host = self._host.sample()
        gpu = self._gpu.sample()
        # The scan serves the linkage and the GPU process rows: without either (no runs
        # to link, nothing on a GPU — a laptop) it would only burn CPU.
        if scan_processes_now and (self._runs is not None or gpu.processes):
            self._scan()
        snap = self._build(host, gpu)
        self.snapshot = snap
        if self._on_update is not None:
            self._on_update(snap)
        return snap

    def _scan(self) -> None:
        self._table = scan_processes()
        if self._runs is None:
            return
        runs = list(self._runs())
        links = self._linker.link([files for files, _ in runs], self._table)
        progress = {files.name: prog for files, prog in runs}
        states = self._tracker.update(links, progress, self._table.time, exits=self._table.exited)
        self._links, self._states = MappingProxyType(links), MappingProxyType(states)

    def _build(self, host: HostReading, gpu: GpuSample) -> SystemSnapshot:
        self._cpu.append(host.cpu_percent)
        self._mem.append(host.memory_percent)
        for (reads, writes), disk in zip(self._disk, host.disks, strict=False):
            reads.append(_nan(disk.read_bps))
            writes.append(_nan(disk.write_bps))
        rows = []
        for dev in gpu.devices:
            util = self._gpu_util.setdefault(dev.index, deque(maxlen=self._history))
            mem = self._gpu_mem.setdefault(dev.index, deque(maxlen=self._history))
            util.append(_nan(dev.util_percent))
            mem.append(_nan(dev.memory_percent))
            rows.append(GpuRow(dev, tuple(util), tuple(mem)))
        return SystemSnapshot(
            time=host.time,
            host=host,
            cpu_history=tuple(self._cpu),
            memory_history=tuple(self._mem),
            disk_history=tuple(DiskHistory(tuple(r), tuple(w)) for r, w in self._disk),
            gpu=gpu,
            gpus=tuple(rows),
            gpu_processes=tuple(self._process_rows(gpu)),
            run_processes=tuple(self._run_process_rows(gpu)),
            links=self._links,
            states=self._states,
            processes_seen=len(self._table.processes),
            process_scan_ms=self._table.scan_ms,
        )

    def _process_rows(self, gpu: GpuSample) -> list[GpuProcessRow]:
        by_pid: dict[int, str] = {}
        for name, link in self._links.items():
            for pid in link.pids:
                by_pid.setdefault(pid, name)
        rows = []
        for p in gpu.processes:
            info: ProcessInfo | None = self._table.get(p.pid) or describe_process(p.pid)
            rows.append(
                GpuProcessRow(
                    process=p,
                    user=info.user if info else None,
                    command=info.command if info else None,
                    run=self._run_of(p.pid, by_pid),
                )
            )
        return rows

    def _run_process_rows(self, gpu: GpuSample) -> list[RunProcessRow]:
        """Each live run writer that no GPU lists, with its CPU and memory use."""
        on_gpu = {p.pid for p in gpu.processes}
        writers: list[tuple[str, int, float]] = []
        for name, link in sorted(self._links.items()):
            if link.pid is not None and link.create_time is not None and link.pid not in on_gpu:
                writers.append((name, link.pid, link.create_time))
        usage = self._usage.sample({pid: ctime for _, pid, ctime in writers})
        rows = []
        for name, pid, _ in writers:
            use = usage.get(pid)
            if use is None:
                continue  # ended since the scan
            info = self._table.get(pid)
            rows.append(
                RunProcessRow(
                    pid=pid,
                    run=name,
                    user=info.user if info else None,
                    cpu_percent=use.cpu_percent,
                    memory_rss=use.memory_rss,
                    command=info.command if info else None,
                )
            )
        return rows

    def _run_of(self, pid: int, by_pid: Mapping[int, str]) -> str | None:
        """The run a PID writes, or that its nearest linked ancestor writes."""
        for _ in range(_ANCESTRY_DEPTH):
            if pid in by_pid:
                return by_pid[pid]
            info = self._table.get(pid)
            if info is None or info.ppid <= 1:
                return None
            pid = info.ppid
        return None


def _with_error(snap: SystemSnapshot, message: str) -> SystemSnapshot:
    from dataclasses import replace

    return replace(snap, error=message)
