"""The immutable picture of the system that the screen reads: the sampler replaces it
whole on every tick, so a reader never sees half an update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tfwatch.system.gpu_readings import GpuDevice, GpuProcess, GpuSample
from tfwatch.system.host import HostReading
from tfwatch.system.linkage import RunLink
from tfwatch.system.run_state import RunStatus


@dataclass(frozen=True)
class GpuRow:
    """One GPU with its recent history (oldest first, percent; NaN where N/A)."""

    device: GpuDevice
    util_history: tuple[float, ...] = ()
    memory_history: tuple[float, ...] = ()


@dataclass(frozen=True)
class GpuProcessRow:
    """A process on a GPU, with who runs it and which run it writes."""

    process: GpuProcess
    user: str | None
    #: The command line (None when the process is not visible here, e.g. another PID
    #: namespace: NVML reports host PIDs to containers).
    command: str | None
    #: Name of the run the process (or an ancestor of it) writes.
    run: str | None


@dataclass(frozen=True)
class RunProcessRow:
    """The live writer of a run, with its CPU and memory use (for machines without GPUs,
    and writers that are on none)."""

    pid: int
    run: str
    user: str | None
    #: Percent of one core (None until a second reading, or when we may not look).
    cpu_percent: float | None
    memory_rss: int | None
    command: str | None


@dataclass(frozen=True)
class DiskHistory:
    """Recent read and write throughput of one log volume (bytes/s, oldest first)."""

    read_bps: tuple[float, ...] = ()
    write_bps: tuple[float, ...] = ()


@dataclass(frozen=True)
class SystemSnapshot:
    """Everything the system panel and the runs table need from the sampler."""

    time: float = 0.0
    host: HostReading | None = None
    cpu_history: tuple[float, ...] = ()
    memory_history: tuple[float, ...] = ()
    disk_history: tuple[DiskHistory, ...] = ()
    #: The last NVML sample (``available`` False with its ``message`` when no GPU).
    gpu: GpuSample | None = None
    gpus: tuple[GpuRow, ...] = ()
    gpu_processes: tuple[GpuProcessRow, ...] = ()
    #: Live writers of runs that are on no GPU (every one of them on a CPU-only machine),
    #: by run name.
    run_processes: tuple[RunProcessRow, ...] = ()
    #: Linkage and state of each run, by run name (empty until the first process scan).
    links: Mapping[str, RunLink] = field(default_factory=lambda: MappingProxyType({}))
    states: Mapping[str, RunStatus] = field(default_factory=lambda: MappingProxyType({}))
    processes_seen: int = 0
    process_scan_ms: float = 0.0
    #: The last sampling error, when a tick failed (the thread carries on).
    error: str | None = None

    @property
    def gpu_message(self) -> str | None:
        """Why there are no GPU rows (e.g. "no NVIDIA GPU (NVML not found)"), if so."""
        if self.gpu is None or self.gpu.available:
            return None
        return self.gpu.message

    def run_of_pid(self, pid: int) -> str | None:
        """The run a PID is linked to, directly."""
        for name, link in self.links.items():
            if pid in link.pids:
                return name
        return None
