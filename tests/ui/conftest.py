"""Fixtures for the app tests: the app over real runs, with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.demo_runs import FIXED_NOW
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp


@pytest.fixture
def make_app() -> Callable[..., TfwatchApp]:
    """``make_app(root, **options)``: the app over ``root`` with a fixed clock, no timers."""

    def make(root: Path, **options: object) -> TfwatchApp:
        options.setdefault("clock", lambda: FIXED_NOW)
        options.setdefault("live", False)
        options.setdefault("system", False)
        app_options = {
            k: options.pop(k)
            for k in ("readonly", "bell", "desktop_notify", "alert_mutes", "group_by")
            if k in options
        }
        session = open_session([str(root)], **options)  # type: ignore[arg-type]
        return TfwatchApp(session, **app_options)  # type: ignore[arg-type]

    return make
