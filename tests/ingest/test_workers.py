"""Cold loads in worker processes: the same runs as one process reads, whatever happens
to the workers (killed, failing, unable to hand a run back) and to this process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.writers import only_event_file
from tfwatch.ingest import job_groups
from tfwatch.ingest import tailer as tailer_module
from tfwatch.ingest import workers as worker_reads
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

#: The forked path is taken only where no other thread runs (see tests/conftest.py).
pytestmark = pytest.mark.single_threaded


def _everything(tailer: Tailer) -> dict[str, object]:
    """What a load kept, run by run: every point, the damage and the bytes read."""
    out: dict[str, object] = {}
    for name, run in sorted(tailer.runs.items()):
        points = {}
        for tag in sorted(run.scalars):
            pts = run.scalars[tag].recent()
            points[tag] = list(zip(pts.steps.tolist(), pts.values.tolist(), strict=True))
        out[name] = (
            points,
            [(d.file, d.offset, d.kind, d.skipped_bytes) for d in run.damage],
            {path: (f.offset, f.records) for path, f in run.files.items()},
        )
    return out


@pytest.fixture
def logs(tbx_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object, Path]:
    """Five runs, one of them damaged; what one process reads of them; the (private)
    directory the workers hand runs back through. Every load of the tests is parallel."""
    for k in range(5):
        tbx_run(f"logs/run{k}", {"loss": [(i, i / (k + 1)) for i in range(300)], "lr": [(0, 0.1)]})
    damaged = only_event_file(tmp_path / "logs" / "run3")
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    root = str(tmp_path / "logs")
    serial = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=1)
    serial.poll(final=True)
    want = _everything(serial)
    assert want["run3"][1]  # type: ignore[index]  # the damage is there to be carried across
    handoff = tmp_path / "shm"
    handoff.mkdir()
    monkeypatch.setattr(tailer_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(worker_reads, "handoff_root", lambda: str(handoff))
    return root, want, handoff


def _parallel(root: str) -> Tailer:
    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    t.poll(final=True)
    return t


def _children() -> set[int]:
    with open(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/children") as f:
        return {int(pid) for pid in f.read().split()}


def test_forked_workers_read_what_one_process_reads(logs) -> None:
    root, want, handoff = logs
    assert threading.active_count() == 1  # (else a pool would read: see the last tests)
    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    assert t.poll(final=True).changed == set(want)
    assert _everything(t) == want
    assert not list(handoff.iterdir())  # every handoff file taken, the directory gone


def test_passes_after_a_parallel_load_read_only_what_was_appended(logs, tbx_run) -> None:
    """A live tailer after a cold load in workers: an idle pass reads nothing (it read
    every byte again each pass when its index still held the runs as sent), and a file
    added later is read into the run the workers handed back."""
    root, want, _ = logs
    assert threading.active_count() == 1
    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    assert t.poll().changed == set(want)
    idle = t.poll()
    assert (idle.changed, idle.bytes_read) == (set(), 0)
    tbx_run("logs/run1", {"loss": [(300, 0.5), (301, 0.25)]})  # a restart: a new file
    grew = t.poll()
    assert grew.changed == {"run1"} and 0 < grew.bytes_read < 1000
    pts = t.runs["run1"].scalars["loss"].recent()
    assert pts.steps.tolist()[-3:] == [299, 300, 301]
    assert pts.values.tolist()[-2:] == [0.5, 0.25]
    assert t.poll().bytes_read == 0


def test_runs_a_worker_could_not_hand_back_are_read_here(logs, monkeypatch) -> None:
    root, want, handoff = logs

    def no_room(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(worker_reads.pickle, "dump", no_room)  # inherited by the workers
    assert _everything(_parallel(root)) == want
    assert not list(handoff.iterdir())


def test_a_killed_or_failing_worker_loses_no_run(logs, monkeypatch) -> None:
    """One worker is killed in the middle of a run (as the OOM killer would), the other
    fails on another run: both runs are read again by this process, nothing waits."""
    root, want, _ = logs
    parent, real = os.getpid(), worker_reads.read_job
    read_here: list[str] = []

    def fragile(job: worker_reads.Job) -> list[worker_reads.RunReadResult]:
        names = [r.run.name for r in job.runs]
        if os.getpid() == parent:
            read_here.extend(names)
        elif "run1" in names:
            os.kill(os.getpid(), signal.SIGKILL)
        elif "run4" in names:
            raise RuntimeError("a bug that only a worker hits")
        return real(job)

    monkeypatch.setattr(job_groups, "_SHORT_RUN_BYTES", 0)  # one run to a job
    monkeypatch.setattr(worker_reads, "read_job", fragile)
    assert threading.active_count() == 1
    assert _everything(_parallel(root)) == want
    assert sorted(read_here) == ["run1", "run4"]
    assert not _children()  # every worker reaped


def test_an_interrupted_load_stops_its_workers_and_cleans_up(logs) -> None:
    root, _, handoff = logs

    def interrupted() -> None:
        raise KeyboardInterrupt  # Ctrl-C while the workers read

    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    with pytest.raises(KeyboardInterrupt):
        t.poll(final=True, meanwhile=interrupted)
    assert not _children() and not list(handoff.iterdir())


def test_with_other_threads_running_a_fork_server_pool_reads(logs, monkeypatch) -> None:
    """As in the app, where forking this process is not safe."""
    root, want, handoff = logs
    pooled: list[int] = []
    real = worker_reads._pooled

    def spy(jobs, workers, meanwhile):  # type: ignore[no-untyped-def]
        pooled.append(sum(len(job.runs) for job in jobs))
        return real(jobs, workers, meanwhile)

    monkeypatch.setattr(worker_reads, "_pooled", spy)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _everything(_parallel(root)) == want
        assert pooled == [5] and not list(handoff.iterdir())
    finally:
        stop.set()
        other.join()


def test_handoff_dirs_of_killed_loads_are_swept(logs) -> None:
    """A load killed outright (SIGKILL) leaves its directory behind: the next load
    removes it once its process is gone, and leaves a live one's alone."""
    root, want, handoff = logs
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = handoff / f"tfwatch-{int(gone.stdout)}-abcd1234"
    dead.mkdir()
    (dead / "0.pickle").write_bytes(b"x" * 100)
    alive = handoff / f"tfwatch-{os.getppid()}-efgh5678"
    alive.mkdir()
    assert _everything(_parallel(root)) == want
    assert sorted(p.name for p in handoff.iterdir()) == [alive.name]


def test_workers_read_into_copies_of_the_runs(logs, monkeypatch) -> None:
    """A forked worker shares the parent's runs; reading into them would keep every run it
    read alive in it until the end (a 10 M-event load peaked at 316 MB instead of 205)."""
    root, want, _ = logs
    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    parent, real = os.getpid(), worker_reads.read_job
    read_here: list[str] = []

    def checked(job: worker_reads.Job) -> list[worker_reads.RunReadResult]:
        for r in job.runs:
            if os.getpid() == parent:
                read_here.append(r.run.name)
            elif r.run is t.runs[r.run.name] or r.run.scalars:
                raise AssertionError("a worker read into the run it shares with the parent")
        return real(job)

    monkeypatch.setattr(worker_reads, "read_job", checked)
    t.poll(final=True)
    assert _everything(t) == want and read_here == []


def _points(run) -> dict[str, list[tuple[int, float]]]:  # type: ignore[no-untyped-def]
    return _everything_of(run)[0]  # type: ignore[no-any-return]


def _everything_of(run) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    t = Tailer([], RunFactory(retain_all=True))
    t.runs = {run.name: run}
    return _everything(t)[run.name]  # type: ignore[return-value]


@pytest.mark.parametrize("job_bytes", [1, 1 << 20], ids=["run_a_job", "runs_together"])
def test_a_summarizing_load_brings_back_summaries_only(logs, monkeypatch, job_bytes) -> None:
    """``ls`` needs a line per run: the runs stay in the workers, their summaries come."""
    root, want, handoff = logs
    monkeypatch.setattr(job_groups, "_JOB_BYTES_MIN", job_bytes)
    t = Tailer([("", LocalSource(root))], RunFactory(retain_all=True), workers=2)
    result = t.poll(final=True, summarize=_points)
    assert result.summaries == {name: points for name, (points, _, _) in want.items()}
    assert all(not run.scalars for run in t.runs.values())  # left as listed, unread
    assert not list(handoff.iterdir())


def test_ls_rows_made_in_the_workers_are_those_made_here(logs, monkeypatch, capsys) -> None:
    from tfwatch import cli

    root, _, _ = logs
    monkeypatch.setattr(job_groups, "_JOB_BYTES_MIN", 1)  # jobs for both workers

    def rows() -> list[dict[str, object]]:
        assert cli.main(["ls", root, "--json", "--tags", "*"]) == 0
        out = json.loads(capsys.readouterr().out)["runs"]
        for row in out:
            # Seconds since the last write move on between the two calls.
            row.pop("idle_s", None)
            row.pop("state_reason", None)
        return out  # type: ignore[no-any-return]

    parallel = rows()
    monkeypatch.setattr(tailer_module, "PARALLEL_MIN_BYTES", 1 << 62)
    serial = rows()
    assert parallel == serial and len(serial) == 5 and serial[3]["damage"] == 1
    assert set(serial[0]["metrics"]) == {"loss", "lr"}


def test_short_runs_share_jobs_and_long_runs_have_their_own() -> None:
    from tfwatch.ingest.decode.tag_plugins import TagPlugins
    from tfwatch.ingest.reads import RunReadRequest

    def job(name: str, size: int) -> RunReadRequest:
        from tfwatch.ingest.file_state import EventFileState
        from tfwatch.store.runs import Run

        run = Run(name=name, root="", path=name)
        run.files[name] = EventFileState(path=name, name=name, first_seen=0.0)
        return RunReadRequest(LocalSource("/"), run, TagPlugins(), [(name, size)])

    mb = 1 << 20
    jobs = [job(f"short{k}", mb // 4) for k in range(40)] + [job("long", 30 * mb)]
    grouped = job_groups.grouped_jobs(jobs, workers=2, final=True)
    assert [r.run.name for r in grouped[0].runs] == ["long"]  # biggest first
    assert sorted(r.run.name for j in grouped for r in j.runs) == sorted(j.run.name for j in jobs)
    shares = [sum(n for r in j.runs for _, n in r.files) for j in grouped[1:]]
    assert all(share <= mb for share in shares) and len(grouped) == 1 + 10
