"""Fixtures for the app tests: fixed demo runs written by the real demo writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tfwatch.demo import fixed_end_time, write_fixed
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp

DEMO_STEPS = 600
#: A clock a few seconds after the last written step, so ages and states are fixed.
FIXED_NOW = fixed_end_time(DEMO_STEPS) + 5.0


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sweep, written once with fixed wall times."""
    root = tmp_path_factory.mktemp("demo")
    write_fixed(str(root), DEMO_STEPS)
    return root


@pytest.fixture
def make_app() -> Callable[..., TfwatchApp]:
    """``make_app(root, **options)``: the app over ``root`` with a fixed clock, no timers."""

    def make(root: Path, **options: object) -> TfwatchApp:
        options.setdefault("clock", lambda: FIXED_NOW)
        options.setdefault("live", False)
        options.setdefault("system", False)
        app_options = {
            k: options.pop(k)
            for k in ("readonly", "bell", "desktop_notify", "group_by")
            if k in options
        }
        session = open_session([str(root)], **options)  # type: ignore[arg-type]
        return TfwatchApp(session, **app_options)  # type: ignore[arg-type]

    return make
