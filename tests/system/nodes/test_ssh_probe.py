"""The SSH node probe run for real on this machine (``sh -c``), and its parser on what it
printed: real /proc, real writer processes, a stand-in ``nvidia-smi`` with real CSV lines,
and hostile strings where a node's processes can put them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.nvidia_smi_standin import H100_GPUS, H100_UUIDS, NvidiaSmi, h100_apps, install_nvidia_smi
from tests.system.writers import WriterFactory
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeGpuProcess, NodeReading, NodeSource
from tfwatch.system.nodes.ssh_probe import (
    MAX_COMMAND,
    CpuTimes,
    cpu_percent,
    elapsed_seconds,
    parse_probe_output,
    probe_command,
)
from tfwatch.system.processes import scan_processes


def _path_without_nvidia_smi() -> str:
    dirs = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if not os.path.exists(os.path.join(d, "nvidia-smi")))


def run_probe(smi: NvidiaSmi | None = None, gpu_timeout_s: int = 5) -> bytes:
    """The probe's output, run by ``sh`` here as sshd would run it on a node."""
    path = _path_without_nvidia_smi()
    if smi is not None:
        path = f"{smi.directory}{os.pathsep}{path}"
    env = {**os.environ, "PATH": path}
    done = subprocess.run(
        ["sh", "-c", probe_command(gpu_timeout_s)], env=env, capture_output=True, timeout=60
    )
    return done.stdout


def read(output: bytes, gpu_timeout_s: int = 5) -> NodeReading:
    return parse_probe_output(output, "dest", time.time(), gpu_timeout_s=gpu_timeout_s).reading


@pytest.fixture
def smi(tmp_path: Path) -> NvidiaSmi:
    return install_nvidia_smi(tmp_path / "smi")


def test_probe_reads_this_machine() -> None:
    reading = read(run_probe())
    assert reading.source == NodeSource.SSH and reading.up and reading.error is None
    assert reading.name == local_hostname()
    assert reading.memory_total_bytes == psutil.virtual_memory().total
    assert reading.memory_used_bytes is not None
    assert 0 < reading.memory_used_bytes < reading.memory_total_bytes
    assert reading.load1 is not None and reading.load1 >= 0
    assert reading.gpus == () and reading.gpu_note == "no NVIDIA GPU"
    assert reading.cpu_percent is None  # one sample: no delta yet
    procs = {p.pid: p for p in reading.processes or ()}
    me = procs[os.getpid()]
    assert me.ppid == os.getppid()
    assert me.command is not None and "pytest" in me.command
    assert me.started is not None
    assert abs(me.started - psutil.Process().create_time()) <= 2.0
    assert not any(p.ppid == 2 for p in procs.values())  # kernel threads left out


def test_ended_but_unreaped_processes_are_not_listed() -> None:
    zombie = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 30
        while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        listed = {p.pid for p in read(run_probe()).processes or ()}
        assert zombie.pid not in listed and os.getpid() in listed
    finally:
        zombie.wait()


def test_cpu_percent_is_the_delta_between_polls() -> None:
    first = parse_probe_output(run_probe(), "dest", time.time())
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        pass  # keep a CPU busy between the two samples
    second = parse_probe_output(run_probe(), "dest", time.time(), previous_cpu=first.cpu)
    assert first.cpu is not None and second.cpu is not None
    assert second.cpu.total > first.cpu.total
    assert second.reading.cpu_percent is not None
    assert 0.0 < second.reading.cpu_percent <= 100.0
    assert cpu_percent(CpuTimes(10, 100), CpuTimes(5, 50)) is None  # counters reset: reboot


def test_event_files_open_for_writing_name_their_writer(
    writers: WriterFactory, tmp_path: Path
) -> None:
    proc = writers.spawn("tbx", tmp_path / "run")
    proc.write(3)
    (event_file,) = proc.event_files()
    with open(event_file, "rb"):  # a reader (like TensorBoard) holds it read-only
        reading = read(run_probe())
    procs = {p.pid: p for p in reading.processes or ()}
    assert procs[proc.pid].writes == (os.path.realpath(event_file),)
    assert procs[os.getpid()].writes == ()
    # The same descriptors tfwatch's local scan finds.
    local = scan_processes().get(proc.pid)
    assert local is not None and set(procs[proc.pid].writes) == set(local.open_event_files)


def test_gpus_and_their_processes_from_nvidia_smi(
    smi: NvidiaSmi, writers: WriterFactory, tmp_path: Path
) -> None:
    proc = writers.spawn("tbx", tmp_path / "run")
    smi.answer(H100_GPUS, h100_apps(proc.pid))
    reading = read(run_probe(smi))
    assert reading.gpu_note is None and reading.gpus is not None
    gpu0, gpu1 = reading.gpus
    assert (gpu0.index, gpu0.uuid, gpu0.model) == (0, H100_UUIDS[0], "NVIDIA H100 80GB HBM3")
    assert (gpu0.util, gpu0.memory_used_mib, gpu0.memory_total_mib) == (87, 40123, 81559)
    assert (gpu0.temperature_c, gpu0.power_w) == (61, 312.45)
    assert gpu0.processes == (NodeGpuProcess(proc.pid, 40110, "/usr/bin/python3"),)
    assert gpu1.index == 1 and gpu1.util == 0 and gpu1.processes == ()


def test_values_a_gpu_does_not_report_are_none(smi: NvidiaSmi) -> None:
    smi.answer(
        "0, GPU-0a1b2c3d-0000-1111-2222-333344445555, NVIDIA A100-SXM4-40GB, [N/A], 0, "
        "40960, [N/A], [Not Supported]\n"
        "1, GPU-0a1b2c3d-0000-1111-2222-333344445556, Tesla K80, N/A, [Unknown Error], "
        "11441, 35, nan\n"
    )
    gpus = read(run_probe(smi)).gpus
    assert gpus is not None and len(gpus) == 2
    assert (gpus[0].util, gpus[0].temperature_c, gpus[0].power_w) == (None, None, None)
    assert gpus[0].memory_used_mib == 0 and gpus[0].memory_total_mib == 40960
    assert (gpus[1].util, gpus[1].memory_used_mib, gpus[1].power_w) == (None, None, None)
    assert gpus[1].temperature_c == 35


def test_garbage_and_hostile_nvidia_smi_output(smi: NvidiaSmi) -> None:
    hostile_gpus = (
        H100_GPUS.encode()
        + b"\n@@tfwatch-probe:00000000-0000-0000-0000-000000000000:end\n"
        + b"2, GPU-x, \x1b]0;pwned\x07\x1b[2J Evil, GPU, 1, 2, 3, 4, 5\n"
        + b"not, a, gpu\n\xff\xfe\x00\x01garbage\n"
        + b"3, GPU-y, " + b"A" * 100_000 + b", 1, 2, 3, 4, 5"  # no final newline
    )  # fmt: skip
    hostile_apps = (
        h100_apps(4242, name="/bin/\x1b[31mred\x1b[0m, with, commas").encode()
        + b"GPU-z, notapid, 1, x\n"
    )
    smi.answer(hostile_gpus, hostile_apps)
    reading = read(run_probe(smi))
    assert reading.error is None  # the probe's own sections were all found
    gpus = reading.gpus
    assert gpus is not None and [g.index for g in gpus] == [0, 1, 2, 3]
    evil, long = gpus[2], gpus[3]
    assert evil.model is not None and evil.model.isprintable() and "\x1b" not in evil.model
    assert evil.model.endswith("Evil, GPU") and evil.util == 1 and evil.power_w == 5
    assert long.model is not None and len(long.model) <= 257
    assert (
        reading.gpu_note is not None and "3 nvidia-smi line(s) not understood" in reading.gpu_note
    )
    assert "1 GPU process line(s) not understood" in reading.gpu_note
    (on_gpu0,) = gpus[0].processes or ()
    assert on_gpu0.pid == 4242 and on_gpu0.name == "/bin/\\x1b[31mred\\x1b[0m, with, commas"


def test_nvidia_smi_that_fails_or_hangs(smi: NvidiaSmi) -> None:
    smi.answer(
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n",
        exit_code=9,
    )
    reading = read(run_probe(smi))
    assert reading.gpus is None
    assert reading.gpu_note is not None
    assert reading.gpu_note.startswith("nvidia-smi failed (exit 9): NVIDIA-SMI has failed")
    smi.hang()
    started = time.monotonic()
    reading = read(run_probe(smi, gpu_timeout_s=1), gpu_timeout_s=1)
    assert time.monotonic() - started < 30
    assert reading.gpus is None and reading.gpu_note == "nvidia-smi did not answer within 1 s"
    assert reading.processes and reading.memory_total_bytes  # the rest still came


def test_hostile_command_lines_cannot_forge_sections(smi: NvidiaSmi, tmp_path: Path) -> None:
    marker = "@@tfwatch-probe:"
    argv = [
        sys.executable, "-c", "import sys, time; time.sleep(120)",
        f"\n{marker}00000000-0000-0000-0000-000000000000:nogpu\n",
        f"\n{marker}x:end\n", "\x1b]0;pwned\x07\x1b[2J\r\t\x7f", "B" * 100_000,
    ]  # fmt: skip
    hostile = subprocess.Popen([*argv, os.fsdecode(b"\xff\xfe")])
    try:
        reading = NodeReading("x", NodeSource.SSH, up=False)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reading = read(run_probe(smi))
            if any(p.pid == hostile.pid for p in reading.processes or ()):
                break
        procs = {p.pid: p for p in reading.processes or ()}
        command = procs[hostile.pid].command
        assert command is not None and command.isprintable()
        assert len(command) <= MAX_COMMAND + 1
        assert reading.error is None and reading.gpu_note is None
        assert reading.gpus is not None and len(reading.gpus) == 2  # no fake "nogpu"
        assert all(p.command is None or p.command.isprintable() for p in procs.values())
    finally:
        hostile.kill()
        hostile.wait()


def test_output_cut_anywhere_reads_as_far_as_it_goes(smi: NvidiaSmi) -> None:
    smi.answer(H100_GPUS, h100_apps(os.getpid()))
    output = run_probe(smi)
    whole = read(output)
    assert whole.error is None
    for cut in range(0, len(output), max(1, len(output) // 300)):
        reading = read(output[:cut])
        assert reading.up and reading.source == NodeSource.SSH
        assert reading.error is not None
        assert "cut short" in reading.error or "not a tfwatch probe answer" in reading.error
    # What a login shell's start-up files print before the probe is skipped.
    noisy = read(b"Welcome to node7!\n\x1b[1mMOTD\x1b[0m\n" + output)
    assert noisy.error is None and noisy.name == whole.name and noisy.gpus == whole.gpus


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000), st.integers(min_value=0, max_value=8000))
def test_any_bytes_anywhere_never_raise(noise: bytes, at: int) -> None:
    base = _CAPTURED[0] if _CAPTURED else b""
    spliced = base[:at] + noise + base[at:]
    reading = parse_probe_output(spliced, "dest", 0.0).reading
    assert reading.name and reading.name.isprintable()
    assert reading.error is None or reading.error.isprintable()


_CAPTURED: list[bytes] = []


@pytest.fixture(autouse=True, scope="module")
def _capture_once() -> None:
    if not _CAPTURED:
        _CAPTURED.append(run_probe())


def test_elapsed_time_as_ps_prints_it() -> None:
    assert elapsed_seconds("00:07") == 7
    assert elapsed_seconds("05:03") == 303
    assert elapsed_seconds("02:05:03") == 7503
    assert elapsed_seconds("3-02:05:03") == 3 * 86400 + 7503
    for bad in ("", "7", "a:b", "1-2-03:04", "x-01:02", "1:2:3:4"):
        assert elapsed_seconds(bad) is None
