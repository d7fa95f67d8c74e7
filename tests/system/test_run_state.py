"""Run states: the pure rules, then real writer processes through every transition."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from tests.system.writers import WriterFactory, WriterProcess
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.run_states import StateThresholds
from tfwatch.system.linkage import RunFiles, RunLink, RunLinker
from tfwatch.system.processes import scan_processes
from tfwatch.system.run_state import (
    RunProgress,
    Sighting,
    classify_run,
    recorded_end_epoch,
    recorded_end_step,
)
from tfwatch.system.state_tracker import RunStateTracker, assess_runs

NOW = 1_800_000_000.0
LIMITS = StateThresholds(stall_floor_s=60.0, stall_factor=5.0, exit_grace_s=10.0)


def link(**kw: object) -> RunLink:
    base: dict[str, object] = {"run": "r", "remote": False, "hosts": ("me",), "last_write": 0.0}
    base.update(kw)
    return RunLink(**base)  # type: ignore[arg-type]


# -- the rules, on plain data --------------------------------------------------------


def test_live_writer_is_running_until_silent_beyond_its_own_cadence() -> None:
    live = {"pid": 7, "create_time": 1.0, "method": "open-file", "pids": (7,)}
    prog = RunProgress(last_step=10, cadence=30.0)  # threshold: max(60, 5 × 30) = 150 s
    assert classify_run(link(last_write=NOW - 140, **live), prog, NOW, None, LIMITS).state == (
        "running"
    )
    stalled = classify_run(link(last_write=NOW - 160, **live), prog, NOW, None, LIMITS)
    assert (stalled.state, stalled.pid) == ("stalled", 7)
    assert "usually every 30s" in stalled.reason
    # The floor: a fast writer is not stalled after a mere few of its intervals.
    fast = RunProgress(last_step=10, cadence=1.0)
    assert classify_run(link(last_write=NOW - 50, **live), fast, NOW, None, LIMITS).state == (
        "running"
    )


def test_event_wall_time_counts_as_a_write() -> None:
    live = {"pid": 7, "create_time": 1.0, "method": "file-name", "pids": (7,)}
    prog = RunProgress(last_step=3, last_event_time=NOW - 5)
    state = classify_run(link(last_write=NOW - 500, **live), prog, NOW, None, LIMITS)
    assert state.state == "running" and state.idle_s == pytest.approx(5)


def test_recorded_end_decides_crashed_or_finished_for_a_gone_writer() -> None:
    gone = link(last_write=NOW - 3600, ended_pid=99)
    short = RunProgress(last_step=480, step_stride=10, end_step=1000)
    crashed = classify_run(gone, short, NOW, None, LIMITS)
    assert (crashed.state, crashed.pid) == ("crashed", 99)
    assert "step 480 of 1,000" in crashed.reason
    # Logging every 10 steps of range(1000) ends at 990: that is the end.
    done = RunProgress(last_step=990, step_stride=10, end_step=1000)
    assert classify_run(gone, done, NOW, None, LIMITS).state == "finished"
    assert classify_run(gone, RunProgress(last_step=5), NOW, None, LIMITS).state == "finished"


def test_vanished_writer_without_a_final_write_is_crashed() -> None:
    prog = RunProgress(last_step=50, cadence=20.0)
    seen = Sighting(pid=7, create_time=1.0, seen_at=NOW - 3)
    # Silent for 30 s when last seen alive (> grace, < threshold 100 s), nothing since.
    killed = classify_run(link(last_write=NOW - 33), prog, NOW, seen, LIMITS)
    assert (killed.state, killed.pid) == ("crashed", 7)
    # A final flush after the last sighting: the writer was closed, a clean end.
    closed = classify_run(link(last_write=NOW - 1), prog, NOW, seen, LIMITS)
    assert closed.state == "finished"
    # It had already stalled when last seen: no telling a kill from an exit.
    stale = classify_run(link(last_write=NOW - 500), prog, NOW, seen, LIMITS)
    assert stale.state == "finished"


def test_without_a_process_recency_decides_between_unknown_and_finished() -> None:
    prog = RunProgress(last_step=1)
    recent = classify_run(link(last_write=NOW - 5), prog, NOW, None, LIMITS)
    assert (recent.state, recent.recent) == ("unknown", True)
    old = classify_run(link(last_write=NOW - 5000), prog, NOW, None, LIMITS)
    assert (old.state, old.recent) == ("finished", False)
    remote = classify_run(
        link(last_write=NOW - 5, remote=True, hosts=("node7",)), prog, NOW, None, LIMITS
    )
    assert (remote.state, remote.recent, remote.remote) == ("unknown", True, True)
    assert "node7" in remote.reason
    # Remote runs stay unknown however old: another host may still be writing elsewhere.
    old_remote = classify_run(link(last_write=NOW - 5000, remote=True), prog, NOW, None, LIMITS)
    assert (old_remote.state, old_remote.recent) == ("unknown", False)


def test_recorded_end_step_from_hparams() -> None:
    assert recorded_end_step({"lr": 0.1, "max_steps": 5000.0}) == 5000
    assert recorded_end_step({"total_steps": True, "num_steps": 20}) == 20
    assert recorded_end_step({"optimizer": "adam"}) is None


# -- real writer processes -----------------------------------------------------------


class Watch:
    """The live app's loop in miniature: scan, link, classify."""

    def __init__(self, w: WriterProcess, limits: StateThresholds) -> None:
        self.w = w
        self.tracker = RunStateTracker(limits)
        self.linker = RunLinker()
        self.last_step = -1

    def state(self, end_step: int | None = None) -> tuple[str, int | None, str]:
        files = tuple(self.w.event_files())
        run = RunFiles("r", str(self.w.logdir), files)
        table = scan_processes()
        links = self.linker.link([run], table)
        prog = RunProgress(last_step=self.last_step, end_step=end_step)
        s = self.tracker.update(links, {"r": prog}, table.time)["r"]
        return s.state, s.pid, s.reason


#: Real seconds, scaled down: stalled after 1.2 s of silence; a writer silent for more
#: than 0.2 s when last seen, then gone without a final write, was killed. The margins
#: leave room for a slow scan on a loaded machine.
FAST = StateThresholds(stall_floor_s=1.2, stall_factor=5.0, exit_grace_s=0.2)


def test_tensorboardx_running_stalled_running_killed(
    tmp_path: Path, writers: WriterFactory
) -> None:
    w = writers.spawn("tbx", tmp_path / "run")
    watch = Watch(w, FAST)
    watch.last_step = w.write(3)
    assert watch.state()[:2] == ("running", w.pid)
    time.sleep(1.4)
    assert watch.state()[:2] == ("stalled", w.pid)
    watch.last_step = w.write(1)
    assert watch.state()[0] == "running"
    time.sleep(0.4)  # silent past the exit grace, still within its usual cadence
    watch.last_step = w.log_unflushed(1)  # a step the kill will lose
    assert watch.state()[0] == "running"
    w.kill(signal.SIGKILL)
    state, pid, reason = watch.state()
    assert (state, pid) == ("crashed", w.pid)
    assert "without a final write" in reason


def test_tensorboardx_clean_exit_is_finished(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tbx", tmp_path / "run")
    watch = Watch(w, FAST)
    watch.last_step = w.write(3)
    time.sleep(0.4)
    watch.last_step = w.log_unflushed(1)
    assert watch.state()[0] == "running"
    w.exit()  # closing the writer flushes the pending step: the mark of a clean end
    assert watch.state()[:2] == ("finished", w.pid)


def test_killed_short_of_its_recorded_end_is_crashed_even_in_one_shot(
    tmp_path: Path, writers: WriterFactory
) -> None:
    w = writers.spawn("tb", tmp_path / "run")
    last = w.write(5)
    run = RunFiles("r", str(w.logdir), tuple(w.event_files()))
    alive = assess_runs([(run, RunProgress(last_step=last, end_step=100))])["r"][1]
    assert (alive.state, alive.pid, alive.method) == ("running", w.pid, "file-name")
    w.kill(signal.SIGKILL)
    table = scan_processes()
    short = assess_runs([(run, RunProgress(last_step=last, end_step=100))], table)["r"][1]
    assert (short.state, short.pid) == ("crashed", w.pid)
    assert short.as_json()["ended_pid"] == w.pid and "pid" not in short.as_json()
    assert alive.as_json()["pid"] == w.pid and alive.as_json()["link"] == "file-name"
    reached = assess_runs([(run, RunProgress(last_step=last, end_step=5))], table)["r"][1]
    assert reached.state == "finished"
    unknown_end = assess_runs([(run, RunProgress(last_step=last))], table)["r"][1]
    assert unknown_end.state == "finished"


def test_one_shot_without_a_visible_process(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tbx", tmp_path / "local")
    w.write(2)
    w.exit()
    remote_dir = tmp_path / "remote"
    remote_dir.mkdir()
    (src,) = w.event_files()
    shutil.copy(src, remote_dir / Path(src).name.replace(local_hostname(), "elsewhere"))
    runs = [
        (RunFiles("local", str(w.logdir), (src,)), RunProgress(last_step=1)),
        (RunFiles("remote", str(remote_dir), tuple(map(str, remote_dir.iterdir()))), RunProgress()),
    ]
    states = assess_runs(runs)
    local, remote = states["local"][1], states["remote"][1]
    # tensorboardX names no PID: a recent run with no holder is unknown, with a hint.
    assert (local.state, local.recent, local.pid) == ("unknown", True, None)
    assert (remote.state, remote.remote, remote.recent) == ("unknown", True, True)
    later = assess_runs(runs, now=time.time() + 3600)["local"][1]
    assert (later.state, later.recent) == ("finished", False)


# -- how a writer ended (issue: crashes read as finished) ------------------------------


def test_how_a_writer_ended_comes_before_the_guesses() -> None:
    prog = RunProgress(last_step=480, step_stride=10, end_step=1000)
    gone = link(last_write=NOW - 3600)
    seen = Sighting(pid=7, create_time=1.0, seen_at=NOW - 3500)
    failed = classify_run(gone, RunProgress(last_step=5), NOW, replace(seen, exit_status=1 << 8))
    assert (failed.state, failed.pid) == ("crashed", 7)
    assert "exited with status 1" in failed.reason
    killed = classify_run(gone, prog, NOW, replace(seen, exit_status=signal.SIGSEGV))
    assert killed.state == "crashed" and "killed by SIGSEGV at step 480 of 1,000" in killed.reason
    stopped = classify_run(gone, RunProgress(last_step=5), NOW, replace(seen, stopped_by="SIGTERM"))
    assert stopped.state == "crashed" and "stopped by tfwatch (SIGTERM)" in stopped.reason
    # Exit status 0 short of the recorded end: stopped early on purpose, a clean finish.
    early = classify_run(gone, prog, NOW, replace(seen, exit_status=0))
    assert early.state == "finished" and "status 0" in early.reason


def test_recorded_epochs_not_reached_is_crashed() -> None:
    assert recorded_end_epoch({"num_epochs": 10.0}) == 10
    assert recorded_end_step({"steps": 300}) == 300
    gone = link(last_write=NOW - 3600, ended_pid=99)
    short = RunProgress(last_step=400, end_epoch=10, last_epoch=3)
    crashed = classify_run(gone, short, NOW, None, LIMITS)
    assert crashed.state == "crashed" and "epoch 4 of 10" in crashed.reason
    done = RunProgress(last_step=1000, end_epoch=10, last_epoch=9)
    assert classify_run(gone, done, NOW, None, LIMITS).state == "finished"


def test_quiet_run_short_of_its_end_with_no_process_in_sight_is_crashed() -> None:
    quiet = link(last_write=NOW - 5000)
    short = classify_run(quiet, RunProgress(last_step=40, end_step=100), NOW, None, LIMITS)
    assert (short.state, short.pid) == ("crashed", None)
    assert "step 40 of 100" in short.reason
    reached = classify_run(quiet, RunProgress(last_step=99, end_step=100), NOW, None, LIMITS)
    assert reached.state == "finished"
    # Still writing recently: no telling yet.
    recent = classify_run(link(last_write=NOW - 5), RunProgress(40, end_step=100), NOW)
    assert recent.state == "unknown"


#: A Lightning-style script: hparams (with its planned length) in the run's own file, a
#: few steps and epochs flushed, then an exit status chosen by the test once told to go.
ENDING_WRITER = """
import sys
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams
w = SummaryWriter(sys.argv[1])
if sys.argv[3] != "-":
    for summary in hparams({"lr": 0.1, sys.argv[3]: 100}, {}):
        w.file_writer.add_summary(summary)
for step in range(5):
    w.add_scalar("loss", 1.0 / (step + 1), step)
    w.add_scalar("epoch", step // 2, step)
w.flush()
print("ready", flush=True)
sys.stdin.readline()
sys.exit(int(sys.argv[2]))
"""


def ending_writer(run_dir: Path, status: int, end_key: str = "-") -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [sys.executable, "-c", ENDING_WRITER, str(run_dir), str(status), end_key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def loaded(root: Path, name: str) -> tuple[RunFiles, RunProgress]:
    """The run's state inputs as the app and ``ls`` take them: read by tfwatch's loader."""
    from tfwatch.live.run_inputs import run_inputs
    from tfwatch.loading import load_once

    return run_inputs(load_once([str(root)]).runs[name])


def tell_to_end(p: subprocess.Popen[str], reap: bool) -> None:
    assert p.stdin is not None
    p.stdin.write("go\n")
    p.stdin.flush()
    deadline = time.monotonic() + 10
    if reap:
        p.wait(10)
        return
    # Ended but not reaped: its parent (this test) is busy elsewhere, as a launcher may be.
    while psutil.Process(p.pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("status", "end_key", "reap", "expected", "why"),
    [
        (1, "-", False, "crashed", "exited with status 1"),
        (0, "-", False, "finished", "exited with status 0"),
        (1, "max_steps", True, "crashed", "ended at step 4 of 100"),
        (1, "num_epochs", True, "crashed", "ended at epoch 3 of 100"),
        (0, "-", True, "finished", "ended"),
    ],
    ids=["zombie-exit-1", "zombie-exit-0", "short-of-max-steps", "short-of-epochs", "clean"],
)
def test_a_writer_that_flushed_then_exited(
    tmp_path: Path, status: int, end_key: str, reap: bool, expected: str, why: str
) -> None:
    p = ending_writer(tmp_path / "run", status, end_key)
    try:
        files, prog = loaded(tmp_path, "run")
        tracker = RunStateTracker()
        table = scan_processes()
        links = RunLinker().link([files], table)
        assert tracker.update(links, {"run": prog}, table.time)["run"].state == "running"
        tell_to_end(p, reap)
        files, prog = loaded(tmp_path, "run")
        table = scan_processes()
        links = RunLinker().link([files], table)
        got = tracker.update(links, {"run": prog}, table.time, exits=table.exited)["run"]
        assert (got.state, got.pid) == (expected, p.pid)
        assert why in got.reason
    finally:
        if p.poll() is None:
            p.kill()
        p.wait(10)
