"""The same scenarios against every backend: S3, GCS, SSH and WebHDFS servers on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from tensorboard.summary import Writer
from tensorboardX import SummaryWriter

from tests.ingest.sources.backends import Backend
from tfwatch.cli import main
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.sources.remote import RemoteSource, RemoteTuning, open_remote
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

FAST = RemoteTuning(call_timeout=8.0, idle_polls=1000, retry_max=0.2)


def _prefix() -> str:
    return f"logs-{uuid.uuid4().hex[:8]}"


def _write_runs(root: Path) -> None:
    """Three runs, one nested, written by a real writer."""
    for name, n in (("a", 40), ("b", 25), ("sweep/lr=0.1", 10)):
        w = SummaryWriter(str(root / name))
        for step in range(n):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            w.add_scalar("acc", step / n, step)
        w.close()


def _source(backend: Backend, prefix: str) -> RemoteSource:
    return open_remote(backend.url(prefix), backend.options, tuning=FAST)


def test_export_of_remote_root_equals_local_export(backend: Backend, tmp_path: Path) -> None:
    local, prefix = tmp_path / "logs", _prefix()
    _write_runs(local)
    backend.publish(local, prefix)
    remote_out, local_out = tmp_path / "remote.json", tmp_path / "local.json"
    url = backend.url(prefix)
    assert main(["export", url, *backend.cli_options(), "-o", str(remote_out)]) == 0
    assert main(["export", str(local), "-o", str(local_out)]) == 0
    assert '"sweep/lr=0.1"' in local_out.read_text()
    assert remote_out.read_text() == local_out.read_text()


def test_tails_appends_with_ranged_reads(backend: Backend, tmp_path: Path) -> None:
    local, prefix = tmp_path / "logs", _prefix()
    writer = Writer(str(local / "run"))  # its flush() is synchronous
    for step in range(5):
        writer.add_scalar("loss", float(step), step)
    writer.flush()
    backend.publish(local, prefix)
    source = _source(backend, prefix)
    tailer = Tailer([("r", source)], RunFactory())
    tailer.poll()
    run = tailer.runs["run"]
    assert run.scalars["loss"].count == 5
    first_bytes = source.counters.bytes_read
    (state,) = run.files.values()
    assert first_bytes == state.offset == state.size

    for step in range(5, 12):
        writer.add_scalar("loss", float(step), step)
    writer.flush()
    backend.publish(local, prefix)  # the whole object is replaced, as a sync does
    reads_before = source.counters.reads
    result = tailer.poll()
    assert result.changed == {"run"}
    assert run.scalars["loss"].count == 12
    assert run.scalars["loss"].last_value == 11.0
    # Only the appended bytes were fetched, in one ranged request.
    assert source.counters.bytes_read - first_bytes == state.size - first_bytes > 0
    assert source.counters.reads == reads_before + 1
    # Nothing new: a listing and no read; asking past the end is no error (no HTTP 416).
    tailer.poll()
    assert source.counters.reads == reads_before + 1
    (status,) = tailer.statuses
    assert status.state == "ok" and status.requests == source.counters.requests
    assert status.last_ok > 0
    assert source.read(state.path, state.size, 100) == b""
    writer.close()


def test_new_runs_appear_while_tailing(backend: Backend, tmp_path: Path) -> None:
    local, prefix = tmp_path / "logs", _prefix()
    _write_runs(local)
    backend.publish(local, prefix)
    source = _source(backend, prefix)
    tailer = Tailer([("r", source)], RunFactory())
    tailer.poll()
    assert sorted(tailer.runs) == ["a", "b", "sweep/lr=0.1"]
    assert source.counters.reads == 3  # one request per file …
    # … sent in one concurrent batch, except over SSH where reads must seek one by one.
    assert source.counters.batched_reads == (0 if backend.name == "ssh" else 3)
    w = SummaryWriter(str(local / "c"))
    w.add_scalar("loss", 0.5, 0)
    w.close()
    backend.publish(local, prefix)
    assert tailer.poll().new_runs == ["c"]


def test_server_down_then_back(backend: Backend, tmp_path: Path) -> None:
    local, prefix = tmp_path / "logs", _prefix()
    writer = Writer(str(local / "run"))  # its flush() is synchronous
    writer.add_scalar("loss", 1.0, 0)
    writer.flush()
    backend.publish(local, prefix)
    here = tmp_path / "here"
    _write_runs(here)
    tuning = RemoteTuning(call_timeout=3.0, idle_polls=1000, retry_max=0.2)
    source = open_remote(backend.url(prefix), backend.options, tuning=tuning)
    tailer = Tailer([("remote", source), ("here", LocalSource(str(here)))], RunFactory())
    tailer.poll()
    assert tailer.runs["remote/run"].scalars["loss"].count == 1

    backend.stop()
    try:
        w = SummaryWriter(str(here / "d"))
        w.add_scalar("loss", 0.1, 0)
        w.close()
        started = time.monotonic()
        result = tailer.poll()
        assert time.monotonic() - started < tuning.call_timeout + 2
        remote, local_status = tailer.statuses
        assert remote.state == "failing"
        assert remote.last_error.startswith(source.root + ": ")
        assert "cannot reach the server" in remote.last_error or "no answer" in remote.last_error
        assert result.errors == [remote.last_error]
        # The other root went on as usual.
        assert local_status.state == "ok" and "here/d" in tailer.runs
    finally:
        backend.start()
    writer.add_scalar("loss", 2.0, 1)
    writer.flush()
    backend.publish(local, prefix)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tailer.poll()
        if tailer.statuses[0].state == "ok":
            break
        time.sleep(0.2)
    assert tailer.statuses[0].state == "ok", tailer.statuses[0].last_error
    assert tailer.runs["remote/run"].scalars["loss"].count == 2
    writer.close()


def test_only_the_runs_asked_for_are_fetched(backend: Backend, tmp_path: Path) -> None:
    local, prefix = tmp_path / "logs", _prefix()
    _write_runs(local)
    backend.publish(local, prefix)
    source = _source(backend, prefix)
    tailer = Tailer(
        [("r", source)], RunFactory(), run_filter=lambda name: name.startswith("sweep/")
    )
    tailer.poll()
    assert list(tailer.runs) == ["sweep/lr=0.1"]
    assert source.counters.reads == 1 and source.counters.lists == 1
