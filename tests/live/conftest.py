"""Fixtures for the session tests: fixed demo runs written by the real demo writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfwatch.demo import fixed_end_time, write_fixed

DEMO_STEPS = 600
#: A clock a few seconds after the last written step, so ages and states are fixed.
FIXED_NOW = fixed_end_time(DEMO_STEPS) + 5.0


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sweep, written once with fixed wall times."""
    root = tmp_path_factory.mktemp("demo")
    write_fixed(str(root), DEMO_STEPS)
    return root
