"""The background sampler: snapshots with GPU rows, process rows, links and states."""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.doubles.fake_nvml import LIBRARY_NOT_FOUND, FakeGpu, FakeGpuProcess, FakeNvml
from tests.system.writers import WriterFactory
from tfwatch.system.gpu_readings import NO_DRIVER_MESSAGE
from tfwatch.system.linkage import RunFiles
from tfwatch.system.nvml_adapter import NvmlAdapter
from tfwatch.system.run_state import RunProgress
from tfwatch.system.sampler import SystemSampler
from tfwatch.system.snapshot import SystemSnapshot

GIB = 1 << 30
#: A PID no process has (above the kernel's pid_max ceiling): like a process NVML
#: reports from outside our PID namespace.
FOREIGN_PID = 4_194_305


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_tick_joins_gpus_processes_runs_and_states(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tbx", tmp_path / "sweep" / "lr=0.1")
    last = w.write(3)
    worker = w.fork_worker()
    frames = [
        [FakeGpu(util=util, memory_used=used * GIB, processes=procs)]
        for util, used, procs in (
            (30, 10, (FakeGpuProcess(pid=w.pid, used_memory=9 * GIB, sm_util=28),)),
            (
                95,
                40,
                (
                    FakeGpuProcess(pid=w.pid, used_memory=30 * GIB, sm_util=93),
                    FakeGpuProcess(pid=worker, used_memory=GIB, sm_util=2),
                    FakeGpuProcess(pid=FOREIGN_PID, used_memory=8 * GIB, sm_util=None),
                ),
            ),
        )
    ]
    fake = FakeNvml(frames)
    run = RunFiles("sweep/lr=0.1", str(w.logdir), tuple(w.event_files()))
    sampler = SystemSampler(
        runs=lambda: [(run, RunProgress(last_step=last))],
        log_roots=[str(tmp_path)],
        gpu=NvmlAdapter(fake),
    )
    first = sampler.tick()
    fake.advance()
    snap = sampler.tick()
    assert sampler.snapshot is snap and first is not snap
    (gpu,) = snap.gpus
    assert gpu.util_history == (30.0, 95.0)
    assert gpu.memory_history == pytest.approx((12.5, 50.0))
    rows = {r.process.pid: r for r in snap.gpu_processes}
    me = rows[w.pid]
    assert (me.run, me.user, me.process.sm_util) == ("sweep/lr=0.1", getpass.getuser(), 93.0)
    assert me.command is not None and "writer_server.py" in me.command
    assert rows[worker].run == "sweep/lr=0.1"
    foreign = rows[FOREIGN_PID]
    assert (foreign.user, foreign.command, foreign.run) == (None, None, None)
    assert snap.links["sweep/lr=0.1"].pid == w.pid
    assert snap.states["sweep/lr=0.1"].state == "running"
    assert snap.run_of_pid(worker) == "sweep/lr=0.1"
    assert snap.processes_seen > 2 and snap.process_scan_ms > 0
    assert snap.host is not None and len(snap.cpu_history) == 2
    assert len(snap.disk_history) == len(snap.host.disks) == 1


def test_thread_publishes_snapshots_and_releases_nvml(tmp_path: Path) -> None:
    fake = FakeNvml([[FakeGpu(util=50)]])
    seen: list[SystemSnapshot] = []
    sampler = SystemSampler(
        gpu=NvmlAdapter(fake), host_interval=0.05, process_interval=0.2, on_update=seen.append
    )
    sampler.start()
    try:
        wait_for(lambda: len(seen) >= 3)
    finally:
        sampler.stop()
    assert fake.shutdown_calls == 1
    assert seen[-1].gpus[0].device.util_percent == 50.0
    assert len(seen[-1].cpu_history) >= 3
    times = [s.time for s in seen]
    assert times == sorted(times)


def test_no_driver_and_a_failing_tick_do_not_stop_the_sampler() -> None:
    calls = {"n": 0}

    def flaky_runs() -> list[tuple[RunFiles, RunProgress]]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("store busy")
        return []

    sampler = SystemSampler(
        runs=flaky_runs,
        gpu=NvmlAdapter(FakeNvml([], init_error=LIBRARY_NOT_FOUND)),
        host_interval=0.05,
        process_interval=0.05,
    )
    sampler.start()
    try:
        wait_for(lambda: sampler.snapshot.error is not None)
        assert sampler.snapshot.error == "RuntimeError: store busy"
        wait_for(lambda: calls["n"] >= 2 and sampler.snapshot.error is None)
    finally:
        sampler.stop()
    assert sampler.snapshot.gpu_message == NO_DRIVER_MESSAGE
    assert sampler.snapshot.gpus == ()
