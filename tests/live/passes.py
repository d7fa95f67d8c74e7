"""Waiting for a session's one pass (sessions opened without live ticks)."""

from __future__ import annotations

import time

from tfwatch.live.publications import Published
from tfwatch.live.session import LiveSession


def publish_once(session: LiveSession) -> Published:
    """Start a session without live ticks and wait for its one pass (generous deadline)."""
    got: list[Published] = []
    session.start(got.append)
    deadline = time.monotonic() + 30
    while session.running or not got:
        assert time.monotonic() < deadline, "no pass published"
        time.sleep(0.02)
    session.stop()
    return got[-1]
