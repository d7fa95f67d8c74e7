"""Process ↔ run linkage against real writer processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.system.writers import WriterFactory
from tfwatch.model.event_file_names import local_hostname, parse_event_file_name, same_host
from tfwatch.system.cmdline_logdirs import cmdline_logdirs, is_viewer, logdir_arguments
from tfwatch.system.linkage import RunFiles, link_runs
from tfwatch.system.processes import scan_processes


def run_of(name: str, run_dir: Path) -> RunFiles:
    files = tuple(sorted(str(p) for p in run_dir.glob("*tfevents*")))
    return RunFiles(name=name, path=str(run_dir), event_files=files)


@pytest.fixture
def sleeper() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Real processes started with a command line of our choosing; killed afterwards."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        p.kill()
        p.wait()


def start(procs: list[subprocess.Popen[bytes]], args: list[str], cwd: Path) -> int:
    """Popen returns once the exec is done, so /proc already shows this command line."""
    code = "import time; time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd)
    procs.append(p)
    return p.pid


def test_event_file_names_of_each_writer() -> None:
    tb = parse_event_file_name("/x/events.out.tfevents.1700000000.node-3.cluster.4242.7")
    assert (tb.created, tb.host, tb.pid) == (1700000000.0, "node-3.cluster", 4242)
    tbx = parse_event_file_name("events.out.tfevents.1700000000.gpu-box")
    assert (tbx.host, tbx.pid) == ("gpu-box", None)
    v2 = parse_event_file_name("events.out.tfevents.1700000000.h.12.0.v2")
    assert (v2.host, v2.pid) == ("h", 12)
    assert parse_event_file_name("notes.txt").created is None
    assert same_host("Node-3", "node-3.cluster.local")
    assert not same_host("node-4", "node-3")


def test_open_file_link_to_tensorboardx_writer(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tbx", tmp_path / "tbx_run")
    w.write(3)
    runs = [run_of("tbx_run", w.logdir)]
    link = link_runs(runs, scan_processes())["tbx_run"]
    assert (link.pid, link.method, link.holds_open, link.remote) == (
        w.pid,
        "open-file",
        True,
        False,
    )
    assert link.last_write == pytest.approx(os.stat(w.event_files()[0]).st_mtime)


def test_forked_workers_share_the_file_but_the_parent_is_the_writer(
    tmp_path: Path, writers: WriterFactory
) -> None:
    w = writers.spawn("tbx", tmp_path / "ddp")
    w.write(1)
    worker = w.fork_worker()
    link = link_runs([run_of("ddp", w.logdir)], scan_processes())["ddp"]
    assert link.pid == w.pid
    assert link.pids == (w.pid, worker)


def test_file_name_pid_link_to_tensorboard_writer(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tb", tmp_path / "tb_run")
    w.write(2)
    (event_file,) = w.event_files()
    assert parse_event_file_name(event_file).pid == w.pid
    table = scan_processes()
    assert table.get(w.pid) is not None
    assert event_file not in table.get(w.pid).open_event_files  # type: ignore[union-attr]
    link = link_runs([run_of("tb_run", w.logdir)], table)["tb_run"]
    assert (link.pid, link.method, link.holds_open) == (w.pid, "file-name", False)
    assert link.ended_pid is None


def test_file_name_pid_ignores_a_recycled_pid(
    tmp_path: Path, sleeper: list[subprocess.Popen[bytes]]
) -> None:
    # A file made long before the process with that PID started is not that process's.
    pid = start(sleeper, [], tmp_path)
    run_dir = tmp_path / "old"
    run_dir.mkdir()
    stale = run_dir / f"events.out.tfevents.{int(time.time()) - 3600}.{local_hostname()}.{pid}.0"
    stale.write_bytes(b"")
    link = link_runs([run_of("old", run_dir)], scan_processes())["old"]
    assert link.pid is None
    assert link.ended_pid == pid  # the process that wrote it is gone


def test_dead_writer_is_reported_as_ended(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tb", tmp_path / "tb_dead")
    w.write(2)
    w.kill(signal.SIGKILL)
    link = link_runs([run_of("tb_dead", w.logdir)], scan_processes())["tb_dead"]
    assert (link.pid, link.ended_pid) == (None, w.pid)


def test_cmdline_logdir_link_resolves_relative_to_cwd(
    tmp_path: Path, sleeper: list[subprocess.Popen[bytes]]
) -> None:
    run_dir = tmp_path / "exp" / "run1"
    run_dir.mkdir(parents=True)
    pid = start(sleeper, ["--log-dir", "exp/run1"], cwd=tmp_path)
    link = link_runs([run_of("run1", run_dir)], scan_processes())["run1"]
    assert (link.pid, link.method) == (pid, "cmdline")


def test_cmdline_parent_logdir_links_only_runs_written_since_the_process_started(
    tmp_path: Path, sleeper: list[subprocess.Popen[bytes]], tbx_run: Callable[..., Path]
) -> None:
    old = tbx_run("runs/old", {"loss": [(0, 1.0)]})
    stamp = time.time() - 600
    for f in old.glob("*tfevents*"):
        os.utime(f, (stamp, stamp))
    pid = start(sleeper, [f"--logdir={tmp_path / 'runs'}"], cwd=tmp_path)
    new = tbx_run("runs/new", {"loss": [(0, 1.0)]})
    links = link_runs([run_of("old", old), run_of("new", new)], scan_processes())
    assert links["new"].pid == pid and links["new"].method == "cmdline"
    assert links["old"].pid is None


def test_runs_from_other_hosts_are_remote_and_never_linked(
    tmp_path: Path, writers: WriterFactory
) -> None:
    w = writers.spawn("tb", tmp_path / "src")
    w.write(1)
    (src,) = w.event_files()
    remote_dir = tmp_path / "remote"
    remote_dir.mkdir()
    name = Path(src).name.replace(f".{local_hostname()}.", ".far-away-node.")
    shutil.copy(src, remote_dir / name)
    link = link_runs([run_of("remote", remote_dir)], scan_processes())["remote"]
    assert link.remote and link.hosts == ("far-away-node",)
    assert link.pid is None and link.ended_pid is None


def test_logdir_options_and_viewers() -> None:
    cmd = ["python", "train.py", "--lr", "0.1", "--logdir", "a", "--tb_dir=b", "trainer.log_dir=c"]
    assert logdir_arguments(cmd) == ["a", "b", "c"]
    assert logdir_arguments(["python", "x.py", "--logdir", "--verbose"]) == []
    assert cmdline_logdirs(["python", "t.py", "--output-dir", "out"], "/w") == ["/w/out"]
    assert cmdline_logdirs(["python", "t.py", "--logdir", "rel"], None) == []
    assert is_viewer(["/usr/bin/tensorboard", "--logdir", "runs"])
    assert is_viewer(["python3", "-m", "tensorboard.main", "--logdir", "runs"])
    assert is_viewer(["/opt/venv/bin/python", "/opt/venv/bin/tfwatch", "runs"])
    assert not is_viewer(["python", "tensorboard_logging_demo.py", "--logdir", "runs"])
    assert cmdline_logdirs(["tensorboard", "--logdir", "/runs"], "/") == []


def test_proc_scan_names_processes_as_psutil_does() -> None:
    """The /proc scan (boot time from /proc/stat, no psutil) and psutil agree on who a
    process is: its PID and start time."""
    import psutil

    me = scan_processes().get(os.getpid())
    assert me is not None
    assert abs(me.create_time - psutil.Process(os.getpid()).create_time()) < 0.05
    via_psutil = scan_processes(use_proc=False).get(os.getpid())
    assert via_psutil is not None and abs(via_psutil.create_time - me.create_time) < 0.05


def test_the_local_hostname_is_the_one_sockets_give() -> None:
    import socket

    assert local_hostname() == socket.gethostname()


def test_no_real_paths_are_worked_out_when_nothing_could_match_them(
    tmp_path: Path, writers: WriterFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real paths cost a few ``lstat`` calls each (a quarter of ``tfwatch ls``'s state
    column over 200 runs): only worth it when some process holds an event file open or
    names a log directory."""
    w = writers.spawn("tb", tmp_path / "run")
    w.write(1)
    w.exit()
    from tfwatch.system import linkage
    from tfwatch.system.processes import ProcessTable

    calls: list[str] = []
    real = os.path.realpath

    def counted(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(linkage.os.path, "realpath", counted)
    link = link_runs([run_of("run", tmp_path / "run")], ProcessTable(time=time.time()))["run"]
    assert link.pid is None and not link.remote and calls == []


#: A training script in a container: tensorboardX names its file with the container's
#: host name, while the host sees (and may stop) the process.
CONTAINER_WRITER = """
import socket, sys, time
socket.gethostname = lambda: "container-7f3a9c"
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1])
for step in range(5):
    w.add_scalar("loss", 1.0 / (step + 1), step)
w.flush()
print("ready", flush=True)
time.sleep(120)
"""


def test_a_local_writer_wins_over_a_container_host_name(tmp_path: Path) -> None:
    from tfwatch.system.run_state import RunProgress
    from tfwatch.system.state_tracker import RunStateTracker

    run_dir = tmp_path / "in_container"
    p = subprocess.Popen(
        [sys.executable, "-c", CONTAINER_WRITER, str(run_dir)], stdout=subprocess.PIPE
    )
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
        run = run_of("in_container", run_dir)
        (event_file,) = run.event_files
        assert parse_event_file_name(event_file).host == "container-7f3a9c"
        tracker = RunStateTracker()
        table = scan_processes()
        link = link_runs([run], table)["in_container"]
        assert (link.remote, link.pid, link.method) == (False, p.pid, "open-file")
        assert link.hosts == ("container-7f3a9c",)
        prog = {"in_container": RunProgress(last_step=4)}
        live = tracker.update({"in_container": link}, prog, table.time)["in_container"]
        assert (live.state, live.pid, live.remote) == ("running", p.pid, False)
        p.kill()
        p.wait(10)
        table = scan_processes()
        gone = link_runs([run], table)["in_container"]
        assert gone.remote  # by its name alone it is another host's…
        ended = tracker.update({"in_container": gone}, prog, table.time)["in_container"]
        # …but its writer was seen here: judged as a local run whose writer ended.
        assert not ended.remote and ended.pid == p.pid and ended.state != "unknown"
    finally:
        if p.poll() is None:
            p.kill()
        p.wait(10)
