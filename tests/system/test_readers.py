"""Processes that only read event files — TensorBoard, ``tail -f``, another tfwatch — are
never taken for a run's writer; a real writer still is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.past_runs import finished_run, holders_of
from tests.system.writers import WriterFactory
from tfwatch.system.linkage import RunFiles, link_runs
from tfwatch.system.processes import opened_for_writing, scan_processes
from tfwatch.system.run_state import RunProgress
from tfwatch.system.state_tracker import RunStateTracker, assess_runs

#: A second tfwatch as ``ps`` shows it: a program named ``tfwatch`` holding the files
#: it reads open (read-only, as tfwatch's reader opens them).
SECOND_TFWATCH = """
import sys, time
held = [open(path, "rb") for path in sys.argv[1:]]
print("ready", flush=True)
time.sleep(120)
"""


def wait_held(
    path: str,
    pids: set[int] | None = None,
    exclude: frozenset[int] = frozenset(),
    timeout: float = 60.0,
) -> set[int]:
    """Wait until one of ``pids`` (any process but ``exclude`` when None) holds ``path``;
    the holders then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = holders_of(path) - {os.getpid()} - exclude
        if held and (pids is None or held & pids):
            return held
        time.sleep(0.2)
    raise TimeoutError(f"nobody opened {path}")


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Reader processes started by a test; killed afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def tail_f(procs: list[subprocess.Popen[bytes]], path: str) -> int:
    tail = shutil.which("tail")
    assert tail is not None
    p = subprocess.Popen([tail, "-f", path], stdout=subprocess.DEVNULL)
    procs.append(p)
    wait_held(path, {p.pid})
    return p.pid


def second_tfwatch(procs: list[subprocess.Popen[bytes]], tmp_path: Path, *paths: str) -> int:
    script = tmp_path / "bin" / "tfwatch"
    script.parent.mkdir(exist_ok=True)
    script.write_text(SECOND_TFWATCH)
    p = subprocess.Popen([sys.executable, str(script), *paths], stdout=subprocess.PIPE)
    procs.append(p)
    assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
    return p.pid


def test_open_flags_say_who_writes() -> None:
    assert not opened_for_writing(os.O_RDONLY | os.O_CLOEXEC | os.O_LARGEFILE)
    assert opened_for_writing(os.O_WRONLY | os.O_CREAT)
    assert opened_for_writing(os.O_RDWR)
    assert opened_for_writing(os.O_RDONLY | os.O_APPEND)


@pytest.mark.parametrize("use_proc", [True, False], ids=["proc", "psutil"])
def test_tail_and_a_second_tfwatch_are_not_writers(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]], use_proc: bool
) -> None:
    run = finished_run(tmp_path)
    (path,) = run.event_files
    tail = tail_f(procs, path)
    other = second_tfwatch(procs, tmp_path, path)
    assert {tail, other} <= holders_of(path)
    table = scan_processes(use_proc=use_proc)
    assert table.get(tail) is not None and table.get(other) is not None
    link = link_runs([run], table)["done"]
    assert (link.pid, link.pids, link.method) == (None, (), None)
    state = assess_runs([(run, RunProgress(last_step=19))], table)["done"][1]
    assert (state.state, state.pid) == ("finished", None)


def test_a_reader_coming_and_going_leaves_a_finished_run_finished(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    """The live app's view: a reader (a cron ``tfwatch check``) opening the file while the
    app scans, then going, must not read as a writer that died."""
    run = finished_run(tmp_path)
    (path,) = run.event_files
    tracker = RunStateTracker()
    prog = {"done": RunProgress(last_step=19)}

    def state() -> str:
        table = scan_processes()
        return tracker.update(link_runs([run], table), prog, table.time)["done"].state

    assert state() == "finished"
    second_tfwatch(procs, tmp_path, path)
    tail_f(procs, path)
    assert state() == "finished"
    for p in procs:
        p.kill()
        p.wait(10)
    assert state() == "finished"


def test_this_process_and_tfwatch_processes_never_count_even_writing(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    run = finished_run(tmp_path)
    (path,) = run.event_files
    with open(path, "ab"):  # this process: tfwatch itself
        script = tmp_path / "bin" / "tfwatch"
        script.parent.mkdir()
        script.write_text(SECOND_TFWATCH.replace('"rb"', '"ab"'))
        p = subprocess.Popen([sys.executable, str(script), path], stdout=subprocess.PIPE)
        procs.append(p)
        assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
        table = scan_processes()
        assert path in table.get(p.pid).open_event_files  # type: ignore[union-attr]
        assert path in table.get(os.getpid()).open_event_files  # type: ignore[union-attr]
        assert link_runs([run], table)["done"].pid is None


def test_tensorboard_reading_the_logs_is_not_a_writer_but_a_real_writer_is(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]], writers: WriterFactory
) -> None:
    root = tmp_path / "logs"
    done = finished_run(root)
    live = writers.spawn("tbx", root / "live")
    live.write(3)
    tensorboard = shutil.which("tensorboard", path=os.path.dirname(sys.executable))
    assert tensorboard is not None
    tb = subprocess.Popen(
        [tensorboard, "--logdir", str(root), "--port", "0", "--reload_interval", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs.append(tb)
    # TensorBoard (through its data server) opens both runs' files and keeps them open.
    wait_held(done.event_files[0], exclude={live.pid}, timeout=90)
    (live_file,) = live.event_files()
    wait_held(live_file, exclude={live.pid}, timeout=90)
    table = scan_processes()
    runs = [done, RunFiles("live", str(live.logdir), (live_file,))]
    links = link_runs(runs, table)
    assert links["done"].pid is None and links["done"].pids == ()
    assert (links["live"].pid, links["live"].pids) == (live.pid, (live.pid,))
    states = assess_runs([(done, RunProgress(last_step=19)), (runs[1], RunProgress(2))], table)
    assert states["done"][1].state == "finished"
    assert (states["live"][1].state, states["live"][1].pid) == ("running", live.pid)


def test_ls_with_tail_following_a_finished_run(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    run = finished_run(tmp_path)
    tail_f(procs, run.event_files[0])
    res = subprocess.run(
        [sys.executable, "-m", "tfwatch", "ls", "--json", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(res.stdout)["runs"]
    assert row["state"] == "finished" and "pid" not in row
