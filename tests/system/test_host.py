"""Host sampling through psutil on this machine."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest

from tfwatch.system.host import HostSampler, volume_for_path


def test_first_sample_already_has_real_cpu_figures() -> None:
    sampler = HostSampler()
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:  # keep one core busy between the two readings
        pass
    reading = sampler.sample()
    assert reading.cpu_percent > 0.0  # psutil.cpu_percent() would say 0.0 here
    assert len(reading.per_core) == psutil.cpu_count()
    assert max(reading.per_core) > 0.0
    assert all(0.0 <= c <= 100.0 for c in reading.per_core)


def test_memory_swap_and_load() -> None:
    reading = HostSampler().sample()
    mem = psutil.virtual_memory()
    assert reading.memory_total == mem.total
    assert 0 < reading.memory_used <= reading.memory_total
    assert 0.0 < reading.memory_percent < 100.0
    assert reading.swap_total == psutil.swap_memory().total
    assert reading.load_avg is not None and len(reading.load_avg) == 3


def test_log_volume_maps_to_its_block_device_and_sees_writes(tmp_path: Path) -> None:
    volume = volume_for_path(str(tmp_path))
    if volume.io_key is None:
        pytest.skip("the temporary directory is on no block device here (tmpfs/overlay)")
    assert volume.io_key in (psutil.disk_io_counters(perdisk=True) or {})
    sampler = HostSampler([str(tmp_path), str(tmp_path / "..")])
    assert len(sampler.volumes) == 1  # two roots on one volume are counted once
    with open(tmp_path / "blob", "wb") as f:
        f.write(os.urandom(4 << 20))
        f.flush()
        os.fsync(f.fileno())
    (disk,) = sampler.sample().disks
    assert disk.volume.io_key == volume.io_key
    assert disk.write_bps is not None and disk.write_bps > 0
    assert disk.read_bps is not None and disk.read_bps >= 0


def test_a_path_on_no_block_device_has_no_io_key() -> None:
    if not os.path.isdir("/proc/self"):
        pytest.skip("no procfs")
    volume = volume_for_path("/proc/self")
    assert volume.io_key is None
    (disk,) = HostSampler(["/proc/self"]).sample().disks
    assert (disk.read_bps, disk.write_bps) == (None, None)
