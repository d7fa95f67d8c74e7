"""Host figures through psutil: CPU (total and per core), load, memory, swap and the disk
I/O of each volume holding a log root.

CPU percentages come from our own ``cpu_times`` deltas rather than
``psutil.cpu_percent()``: that function compares with the *previous call from anywhere in
the process* and returns 0.0 the first time. The sampler primes its own baseline when it
is built, so the first sample already has real figures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Volume:
    """The block device holding a path, as psutil's per-disk counters name it."""

    path: str
    #: Key into ``psutil.disk_io_counters(perdisk=True)`` (``sda1``, ``nvme0n1p2``,
    #: ``dm-0``…); None where the path sits on no local block device (tmpfs, overlay
    #: without a backing device, network file systems).
    io_key: str | None
    mountpoint: str | None


@dataclass(frozen=True)
class DiskIo:
    """Throughput of one volume since the previous sample."""

    volume: Volume
    read_bps: float | None
    write_bps: float | None
    #: Share of the interval the device was busy (Linux), in percent.
    busy_percent: float | None


@dataclass(frozen=True)
class HostReading:
    """One sample of the host."""

    time: float
    cpu_percent: float
    per_core: tuple[float, ...]
    load_avg: tuple[float, float, float] | None
    memory_used: int
    memory_total: int
    swap_used: int
    swap_total: int
    disks: tuple[DiskIo, ...]

    @property
    def memory_percent(self) -> float:
        """Memory in use (total minus available) as a percentage."""
        return 100.0 * self.memory_used / self.memory_total if self.memory_total else 0.0

    @property
    def swap_percent(self) -> float:
        """Swap in use as a percentage (0 without swap)."""
        return 100.0 * self.swap_used / self.swap_total if self.swap_total else 0.0


def _sysfs_block_name(st_dev: int) -> str | None:
    """``sda1`` for a device number, through ``/sys/dev/block/MAJ:MIN`` (Linux)."""
    link = f"/sys/dev/block/{os.major(st_dev)}:{os.minor(st_dev)}"
    try:
        return os.path.basename(os.readlink(link))
    except OSError:
        return None


def volume_for_path(path: str) -> Volume:
    """Which block device holds ``path``: by device number first (exact, sees bind mounts
    and device-mapper names), then by the longest mount point containing it."""
    real = os.path.realpath(path)
    keys = set((psutil.disk_io_counters(perdisk=True) or {}).keys())
    mountpoint: str | None = None
    device: str | None = None
    # all=True: the mount that really holds the path may be a pseudo or network file system,
    # which must not fall through to the block device mounted above it.
    for part in psutil.disk_partitions(all=True):
        mp = part.mountpoint
        inside = real == mp or real.startswith(mp.rstrip(os.sep) + os.sep)
        if inside and (mountpoint is None or len(mp) > len(mountpoint)):
            mountpoint, device = mp, part.device
    try:
        name = _sysfs_block_name(os.stat(real).st_dev)
    except OSError:
        name = None
    if name in keys:
        return Volume(path, name, mountpoint)
    if device:
        base = os.path.basename(os.path.realpath(device))
        if base in keys:
            return Volume(path, base, mountpoint)
    return Volume(path, None, mountpoint)


def _busy_and_total(times: object) -> tuple[float, float]:
    fields = times._asdict()  # type: ignore[attr-defined]
    # Linux already counts guest time inside user/nice: leave it out of the total.
    total = sum(v for k, v in fields.items() if k not in ("guest", "guest_nice"))
    idle = fields.get("idle", 0.0) + fields.get("iowait", 0.0)
    return total - idle, total


def _percent(before: object, after: object) -> float:
    b0, t0 = _busy_and_total(before)
    b1, t1 = _busy_and_total(after)
    dt = t1 - t0
    return 0.0 if dt <= 0 else max(0.0, min(100.0, 100.0 * (b1 - b0) / dt))


class HostSampler:
    """Takes host samples; holds the previous counters that rates are computed from."""

    def __init__(self, log_paths: Sequence[str] = ()) -> None:
        self.volumes = self._distinct_volumes(log_paths)
        # Priming: the first sample compares against these, never against nothing.
        self._cpu = psutil.cpu_times()
        self._cores = psutil.cpu_times(percpu=True)
        self._disk = psutil.disk_io_counters(perdisk=True) or {}
        self._disk_time = time.monotonic()

    @staticmethod
    def _distinct_volumes(paths: Sequence[str]) -> tuple[Volume, ...]:
        seen: dict[str | None, Volume] = {}
        for p in paths:
            v = volume_for_path(p)
            key = v.io_key if v.io_key is not None else f"?{v.mountpoint}"
            seen.setdefault(key, v)
        return tuple(seen.values())

    def sample(self) -> HostReading:
        """CPU, load, memory, swap and disk I/O since the previous sample."""
        cpu, cores = psutil.cpu_times(), psutil.cpu_times(percpu=True)
        total = _percent(self._cpu, cpu)
        per_core = tuple(_percent(a, b) for a, b in zip(self._cores, cores, strict=False))
        self._cpu, self._cores = cpu, cores
        mem, swap = psutil.virtual_memory(), psutil.swap_memory()
        try:
            load: tuple[float, float, float] | None = psutil.getloadavg()
        except (OSError, AttributeError):
            load = None
        return HostReading(
            time=time.time(),
            cpu_percent=total,
            per_core=per_core,
            load_avg=load,
            memory_used=int(mem.total - mem.available),
            memory_total=int(mem.total),
            swap_used=int(swap.used),
            swap_total=int(swap.total),
            disks=self._disk_rates(),
        )

    def _disk_rates(self) -> tuple[DiskIo, ...]:
        counters = psutil.disk_io_counters(perdisk=True) or {}
        now = time.monotonic()
        elapsed = now - self._disk_time
        out = []
        for v in self.volumes:
            before, after = self._disk.get(v.io_key or ""), counters.get(v.io_key or "")
            if before is None or after is None or elapsed <= 0:
                out.append(DiskIo(v, None, None, None))
                continue
            busy_ms = getattr(after, "busy_time", None)
            busy = (
                min(100.0, (busy_ms - before.busy_time) / (elapsed * 10.0))
                if busy_ms is not None
                else None
            )
            out.append(
                DiskIo(
                    v,
                    read_bps=max(0.0, (after.read_bytes - before.read_bytes) / elapsed),
                    write_bps=max(0.0, (after.write_bytes - before.write_bytes) / elapsed),
                    busy_percent=busy,
                )
            )
        self._disk, self._disk_time = counters, now
        return tuple(out)
