"""Acknowledging and muting alerts from the panel, kept across restarts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tfwatch.analysis.alerts import Alert
from tfwatch.ui.actions.alert_mutes import AlertMutes, default_mutes_path
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.widgets.alerts_panel import AlertsPanel

from ..test_app import sync, wait_for


def panel_alerts(app: TfwatchApp) -> list[Alert]:
    return app.query_one(AlertsPanel).alerts


@sync
async def test_mute_a_run_then_a_kind_and_find_them_muted_after_a_restart(
    demo_root: Path, make_app: Callable[..., TfwatchApp], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = default_mutes_path()
    assert path == tmp_path / "state" / "tfwatch" / "muted_alerts.json"
    app = make_app(demo_root, alert_mutes=AlertMutes.load(path))
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: bool(app.alert_feed.tracker.active()))
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(panel_alerts(app)))
        first = panel_alerts(app)[0]
        await pilot.press("m")  # mute the highlighted alert's run
        await wait_for(pilot, lambda: all(a.run != first.run for a in panel_alerts(app)))
        assert "muted" in str(app.query_one(AlertsPanel).border_title)
        kind = panel_alerts(app)[0].kind
        await pilot.press("M")  # and the next one's kind
        await wait_for(pilot, lambda: all(a.kind != kind for a in panel_alerts(app)))
    saved = json.loads(path.read_text())
    assert first.run in saved["runs"] and kind in saved["kinds"]

    again = make_app(demo_root, alert_mutes=AlertMutes.load(path))
    async with again.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: bool(again.alert_feed.tracker.active()))
        await pilot.press("a")
        await pilot.pause(0.2)
        listed = panel_alerts(again)
        assert all(a.run != first.run and a.kind != kind for a in listed)
        await pilot.press("U")
        await wait_for(pilot, lambda: any(a.run == first.run for a in panel_alerts(again)))
    assert json.loads(path.read_text())["runs"] == []


@sync
async def test_acknowledge_hides_one_alert_for_the_session(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)  # no file: this session only
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: bool(app.alert_feed.tracker.active()))
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(panel_alerts(app)))
        before = panel_alerts(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: len(panel_alerts(app)) == len(before) - 1)
        assert before[0] not in panel_alerts(app)
        assert app.alert_mutes.path is None


def test_a_damaged_mutes_file_is_set_aside_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "muted_alerts.json"
    path.write_text("{not json")
    mutes = AlertMutes.load(path)
    assert "cannot read the muted alerts" in mutes.problem
    assert mutes.runs == set() and mutes.kinds == set()
    path.write_text(json.dumps({"version": 99, "runs": ["x"]}))
    assert "version" in AlertMutes.load(path).problem
    assert AlertMutes.load(tmp_path / "missing.json").problem == ""


def test_acknowledged_alerts_are_forgotten_once_they_clear() -> None:
    alert = Alert("run", "val/loss", 10, 0.0, "plateau", "flat")
    mutes = AlertMutes()
    mutes.acknowledge(alert)
    assert mutes.hides(alert)
    assert not mutes.forget_cleared([alert])
    assert mutes.forget_cleared([])  # it cleared: next time it holds, it shows again
    assert not mutes.hides(alert)
