"""The live session without any UI: a real logdir, the ingest thread, publications."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tfwatch.live.factory import open_session
from tfwatch.live.publications import Published
from tfwatch.live.session import LiveSession


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def last_step(session: LiveSession, run: str) -> int:
    latest = session.latest
    if latest is None or run not in latest.snapshot.runs:
        return -1
    return latest.snapshot.runs[run].last_step


def test_the_session_publishes_new_events_and_stops(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "run"), flush_secs=1)
    for step in range(10):
        writer.add_scalar("train/loss", 1.0 / (step + 1), step)
    writer.flush()
    session = open_session([str(tmp_path)], interval=0.05, system=False)
    published: list[Published] = []
    threads: set[str] = set()

    def got(p: Published) -> None:
        threads.add(threading.current_thread().name)
        published.append(p)

    assert session.latest is None
    session.start(got)
    try:
        wait_until(lambda: last_step(session, "run") == 9)
        latest = session.latest
        assert latest is not None and latest.snapshot.metrics == ("train/loss",)
        assert threads == {"tfwatch-ingest"}  # never the caller's thread
        for step in range(10, 20):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        writer.flush()
        wait_until(lambda: last_step(session, "run") == 19)
        series = session.series(["run", "missing"], "train/loss")
        assert list(series) == ["run"] and int(series["run"].steps[-1]) == 19
        detail = session.detail("run")
        assert detail is not None and "train/loss" in detail.detail.scalars
        assert session.detail("missing") is None
    finally:
        session.stop()
        writer.close()
    assert not session.running
    count = len(published)
    time.sleep(0.2)
    assert len(published) == count  # nothing after stop
    # Publications are replaced whole, never changed in place.
    assert published[0].snapshot is not published[-1].snapshot


def test_without_live_ticks_one_pass_is_published(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "a")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    session = open_session([str(tmp_path)], live=False, system=False)
    published: list[Published] = []
    session.start(published.append)
    wait_until(lambda: not session.running)
    session.stop()
    assert len(published) == 1 and list(published[0].snapshot.runs) == ["a"]


def test_metric_change_wakes_the_thread(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "a")) as writer:
        for step in range(3):
            writer.add_scalar("loss", 1.0, step)
            writer.add_scalar("acc", 0.5, step)
    session = open_session([str(tmp_path)], interval=30.0, system=False)
    session.start(lambda p: None)
    try:
        wait_until(lambda: session.latest is not None)
        session.set_metrics(["acc"])
        wait_until(
            lambda: session.latest is not None and session.latest.snapshot.metrics == ("acc",)
        )
    finally:
        session.stop()
    assert not session.running


def test_a_failing_pass_is_reported_and_polling_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    def broken_clock() -> float:
        raise ZeroDivisionError("no time")

    session = open_session([str(tmp_path)], interval=0.02, system=False, clock=broken_clock)
    failures: list[str] = []
    session.start(lambda p: None, failures.append)
    try:
        wait_until(lambda: len(failures) >= 2)
        assert session.running and session.latest is None
    finally:
        session.stop()
    assert failures[0].startswith("refresh failed: ZeroDivisionError")
    assert not session.running
