"""A server that never answers cannot hold up the others; an idle root is listed less."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tests.ingest.sources.backends import Backend
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.sources.remote import RemoteTuning, open_remote
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel does) but never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


def _run(root: Path, name: str, steps: int) -> None:
    w = SummaryWriter(str(root / name))
    for step in range(steps):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.close()


def test_silent_server_does_not_hold_up_other_roots(silent_server: int, tmp_path: Path) -> None:
    _run(tmp_path / "here", "a", 3)
    tuning = RemoteTuning(call_timeout=1.0, retry_max=30.0)
    silent = open_remote(f"webhdfs://reader@127.0.0.1:{silent_server}/logs", tuning=tuning)
    tailer = Tailer([("far", silent), ("here", LocalSource(str(tmp_path / "here")))], RunFactory())
    started = time.monotonic()
    tailer.poll()
    assert time.monotonic() - started < 3.0
    far, here = tailer.statuses
    assert far.state == "failing" and far.last_error.endswith(
        "no answer from the server within 1 s"
    )
    assert here.state == "ok" and "here/a" in tailer.runs
    # Later polls do not wait on it again while it backs off: new local runs keep coming.
    _run(tmp_path / "here", "b", 2)
    requests = silent.counters.requests
    started = time.monotonic()
    assert tailer.poll().new_runs == ["here/b"]
    assert time.monotonic() - started < 0.5
    assert silent.counters.requests == requests  # no request while backing off


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_unchanged_root_is_listed_less_often(s3_backend: Backend, tmp_path: Path) -> None:
    prefix = f"idle-{uuid.uuid4().hex[:8]}"
    _run(tmp_path / "logs", "run", 3)
    s3_backend.publish(tmp_path / "logs", prefix)
    clock = _Clock()
    tuning = RemoteTuning(idle_polls=2, idle_backoff_max=8.0)
    source = open_remote(s3_backend.url(prefix), s3_backend.options, tuning=tuning)
    source._clock = clock  # the backoff's time, not the deadline's
    tailer = Tailer([("r", source)], RunFactory())
    lists = []
    for _ in range(8):
        tailer.poll()
        lists.append(source.counters.lists)
        clock.now += 1.0
    # Once two listings in a row found nothing new, the waits grow: 1 s, 2 s, 4 s …
    assert lists == [1, 2, 3, 4, 4, 5, 5, 5]
    assert source.counters.skipped_listings == 3
    # A change is seen at the next listing and brings the pace back to every poll.
    _run(tmp_path / "logs", "new", 1)
    s3_backend.publish(tmp_path / "logs", prefix)
    clock.now += 8.0
    assert tailer.poll().new_runs == ["new"]
    tailer.poll()
    assert source.counters.lists == lists[-1] + 2
