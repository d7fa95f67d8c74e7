"""Fixtures for the session tests: fixed demo runs written by the real demo writer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tfwatch.demo import fixed_end_time, write_fixed
from tfwatch.live.session import LiveSession, Published

DEMO_STEPS = 600
#: A clock a few seconds after the last written step, so ages and states are fixed.
FIXED_NOW = fixed_end_time(DEMO_STEPS) + 5.0


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sweep, written once with fixed wall times."""
    root = tmp_path_factory.mktemp("demo")
    write_fixed(str(root), DEMO_STEPS)
    return root


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
