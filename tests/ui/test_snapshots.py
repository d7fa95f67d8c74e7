"""Pixel-exact snapshots of the main views over fixed demo data (no live timers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.demo_runs import DEMO_STEPS, FIXED_NOW
from tfwatch.demo import write_fixed
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp


@pytest.fixture
def fixed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TfwatchApp:
    # The header shows the root under ~, so the snapshot does not depend on tmp_path.
    monkeypatch.setenv("HOME", str(tmp_path))
    write_fixed(str(tmp_path / "demo"), DEMO_STEPS)
    return TfwatchApp(
        open_session([str(tmp_path / "demo")], clock=lambda: FIXED_NOW, live=False, system=False)
    )


async def settle(pilot: Any) -> None:
    app = pilot.app
    for _ in range(200):
        if app.snapshot is not None:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)


def test_main_table_80x24(fixed_app: TfwatchApp, snap_compare: Any) -> None:
    assert snap_compare(fixed_app, terminal_size=(80, 24), run_before=settle)


def test_filtered_and_marked_120x30(fixed_app: TfwatchApp, snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("space", "down", "space")
        await pilot.press("slash", *"sweep lr<0.05", "enter")
        await pilot.pause(0.4)

    assert snap_compare(fixed_app, terminal_size=(120, 30), run_before=before)


def test_help_screen(fixed_app: TfwatchApp, snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(fixed_app, terminal_size=(100, 34), run_before=before)
