"""Health alerts in the app: badge column, alerts panel, ``alert:`` filter, bell, config."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tfwatch.cli import main
from tfwatch.cli.parser import parse_args
from tfwatch.model.alert_kinds import ALERT_KINDS
from tfwatch.text.safe_text import printable
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.columns import ALERT_LETTERS
from tfwatch.ui.launch import create_app
from tfwatch.ui.widgets.alerts_panel import AlertsPanel

from ..test_app import ALL, screen_text, sync, table, wait_for


def toasts(app: TfwatchApp) -> str:
    """Titles and messages of the app's notifications (headless runs draw no toasts)."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


def badges(app: TfwatchApp, run: str) -> str:
    """The badge cell of ``run`` as shown."""
    row = table(app).get_row(run)
    keys = [c.key for c in table(app).columns_shown]
    return row[keys.index("badge")].plain.strip()


@sync
async def test_badges_panel_and_jump_to_a_hidden_run(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.pause(0.1)
        diverged = app.snapshot.runs["sweep/lr=0.3"]  # type: ignore[union-attr]
        kinds = set(diverged.alerts)
        assert {"nan", "diverging"} <= kinds  # the demo's NaN run
        shown = badges(app, "sweep/lr=0.3")
        assert set(shown) == {ALERT_LETTERS[k] for k in kinds}
        assert shown.startswith(("N", "D"))  # severe kinds first
        assert badges(app, "sweep/lr=0.1") == ""

        await pilot.press("/", *"baseline", "enter")
        await wait_for(pilot, lambda: table(app).order == ["baseline[bs=64]"])
        await pilot.press("a")
        panel = app.query_one(AlertsPanel)
        assert panel.display and panel.has_focus_within
        listed = panel.alerts
        runs = app.snapshot.runs  # type: ignore[union-attr]
        assert {(a.run, a.kind) for a in listed} == {
            (name, k) for name, s in runs.items() for k in s.alerts
        }
        text = screen_text(app)
        nan = next(a for a in listed if a.kind == "nan")
        assert f"sweep/lr=0.3 · nan · {nan.tag}@{nan.step:,} · " in text
        # Enter on the NaN alert: the filter hiding the run is cleared, the cursor on it.
        panel.highlighted = listed.index(nan)
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).current_run == "sweep/lr=0.3")
        assert sorted(table(app).order) == sorted(ALL)
        assert app.query_one("#runs").has_focus
        await pilot.press("a")
        assert not panel.display


@sync
async def test_alert_filter_and_header_counts(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        snap = app.snapshot
        assert snap is not None
        with_nan = sorted(n for n, r in snap.runs.items() if "nan" in r.alerts)
        assert with_nan == ["sweep/lr=0.3"]
        assert f"!{snap.with_alerts} with alerts" in screen_text(app)
        app.set_filter("alert:nan")
        await pilot.pause(0.1)
        assert table(app).order == with_nan
        app.set_filter("!alert:any")
        await pilot.pause(0.1)
        assert sorted(table(app).order) == sorted(n for n, r in snap.runs.items() if not r.alerts)


@sync
async def test_alert_text_is_escaped(tmp_path: Path, make_app: Callable[..., TfwatchApp]) -> None:
    from tensorboardX import SummaryWriter

    name = "evil[bold]\x1b[31mred\x07"
    w = SummaryWriter(str(tmp_path / name))
    for step in range(30):
        w.add_scalar("loss[x]", float("nan") if step >= 20 else 1.0 / (step + 1), step)
    w.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("a")
        await pilot.pause(0.1)
        text = screen_text(app)
        (alert,) = app.snapshot.runs[name].alert_list  # type: ignore[union-attr]
        assert alert.step == 20
        assert f"{printable(name)} · nan · {printable(alert.tag)}@20 · " in text
        assert "\x1b" not in text and "\x07" not in text


@sync
async def test_a_new_alert_rings_and_notifies_once(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    from tfwatch.live.factory import open_session

    w = SummaryWriter(str(tmp_path / "run"), flush_secs=1)
    for step in range(20):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.flush()
    app = TfwatchApp(
        open_session([str(tmp_path)], interval=0.1, system=False), bell=True, desktop_notify=True
    )
    rings: list[float] = []
    real_bell = app.bell

    def ring() -> None:  # count the rings, still ring
        rings.append(time.time())
        real_bell()

    app.bell = ring  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        assert app.alert_feed.tracker.active() == [] and rings == []

        def more(start: int, value: float) -> None:
            for step in range(start, start + 10):
                w.add_scalar("loss", value, step)
            w.flush()

        await asyncio.to_thread(more, 20, float("nan"))
        await wait_for(pilot, lambda: bool(rings))
        await wait_for(pilot, lambda: "tfwatch: nan in run" in toasts(app))
        await asyncio.to_thread(more, 30, float("nan"))
        for _ in range(5):  # more ticks with the same alert: raised once only
            await pilot.pause(0.15)
        assert len(rings) == 1
    w.close()


@sync
async def test_config_file_sets_the_thresholds(
    demo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[detectors.plateau]\nenabled = false\n")
    args = parse_args([str(demo_root), "--config", str(config)])
    app = create_app(args.roots, args, live=False, system=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        kinds = {k for r in app.snapshot.runs.values() for k in r.alerts}  # type: ignore[union-attr]
        assert "nan" in kinds and "plateau" not in kinds
        assert "plateau" in ALERT_KINDS


def test_bad_config_and_target_are_refused(
    demo_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[detectors.plateau]\npatience = 'many'\n")
    assert main([str(demo_root), "--config", str(bad)]) == 2
    assert "bad.toml" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args([str(demo_root), "--target", "val_acc"])
    parsed = parse_args([str(demo_root), "--target", "val/accuracy=0.9"])
    assert isinstance(parsed, argparse.Namespace)
    assert parsed.target == [("val/accuracy", 0.9)]


@sync
async def test_footer_keeps_quit_and_alerts_at_80_columns(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root, system=True, link_runs=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.pause(1.5)  # the system strip's first sample
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        assert "q Quit" in rows[-1] and "a Alerts" in rows[-1]
        assert "MEM" in rows[-2]  # the system strip, above the footer


def test_help_lists_every_main_binding() -> None:
    from textual.binding import Binding

    from tfwatch.ui.screens.help import HELP

    documented = " ".join(keys for _, rows in HELP for keys, _ in rows).split()
    documented = [k.strip(",") for k in documented]
    for binding in TfwatchApp.BINDINGS:
        assert isinstance(binding, Binding)
        if binding.key == "escape":
            assert "Esc" in documented
            continue
        shown = {"question_mark": "?", "slash": "/"}.get(binding.key, binding.key)
        assert shown in documented, binding


@sync
async def test_every_tag_alerts_and_the_highlighted_one_is_shown_whole(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    import io
    import json
    import re

    from tensorboardX import SummaryWriter

    from tfwatch.cli.health_check import run_check

    name = "a_rather_long_experiment_name/with_a_deep_sub_directory_for_seed_42"
    w = SummaryWriter(str(tmp_path / name))
    for step in range(40):
        w.add_scalar("train/loss", float("nan") if step >= 20 else 1.0 / (step + 1), step)
        w.add_scalar("val/loss", float("nan") if step >= 25 else 2.0 / (step + 1), step)
    w.close()
    out = io.StringIO()
    run_check([str(tmp_path)], as_json=True, out=out)
    checked = {(a["run"], a["kind"], a["tag"]) for a in json.loads(out.getvalue())["alerts"]}
    assert {(name, "nan", "train/loss"), (name, "nan", "val/loss")} <= checked

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("a")
        await pilot.pause(0.1)
        panel = app.query_one(AlertsPanel)
        assert panel.has_focus_within
        # The panel lists what `check` prints: both tags' NaN alerts, nothing merged.
        assert {(a.run, a.kind, a.tag) for a in panel.alerts} == checked

        def squeezed(text: str) -> str:
            return re.sub(r"[\s│╭╮╰╯─]", "", text)

        for index in range(len(panel.alerts)):
            panel.highlighted = index
            await pilot.pause(0.05)
            chosen = panel.alerts[index]
            text = screen_text(app)
            whole = f"{name} · {chosen.kind} · {chosen.tag}@{chosen.step:,} · {chosen.message}"
            # The first line naming the run under the table's header (which shows the
            # run's directory: the table's one row leaves it out).
            list_row = next(r for r in text.splitlines()[2:] if name[:30] in r)
            assert "…" in list_row and chosen.message not in list_row  # cut in the list
            assert squeezed(whole) in squeezed(text)  # whole, wrapped, under the list
        nan_val = next(a for a in panel.alerts if a.tag == "val/loss")
        panel.highlighted = panel.alerts.index(nan_val)
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).current_run == name)
