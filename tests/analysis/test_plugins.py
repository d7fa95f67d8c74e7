"""Third-party detectors through a real ``tfwatch.detectors`` entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from analysis_builders import T0, run_with, series

from tfwatch.analysis.config import config_from_dict
from tfwatch.analysis.health import run_health
from tfwatch.analysis.plugins import GROUP, discover_plugins
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.store.runs import Run

PLUGIN_MODULE = '''
from tfwatch.analysis import Alert

def loss_above(run, config, now):
    """Alert when the last loss is above the configured limit."""
    limit = config.plugins.get("loss_above", {}).get("limit", 1.0)
    series = run.scalars.get("loss")
    if series is not None and series.last_value > limit:
        yield Alert(run.name, "loss", series.last_step, series.last_wall_time,
                    "loss_above", f"loss {series.last_value:.3g} > {limit}")

def broken(run, config, now):
    raise RuntimeError("boom")

def wrong_type(run, config, now):
    return ["not an alert"]

NOT_CALLABLE = 3
'''

ENTRY_POINTS = f"""
[{GROUP}]
loss_above = tfwatch_test_plugin:loss_above
broken = tfwatch_test_plugin:broken
wrong_type = tfwatch_test_plugin:wrong_type
not_callable = tfwatch_test_plugin:NOT_CALLABLE
missing = tfwatch_no_such_module:anything
"""


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install a distribution with entry points the way pip leaves it: a dist-info dir."""
    (tmp_path / "tfwatch_test_plugin.py").write_text(PLUGIN_MODULE)
    info = tmp_path / "tfwatch_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tfwatch-test-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(textwrap.dedent(ENTRY_POINTS))
    monkeypatch.syspath_prepend(str(tmp_path))


def run_with_loss(last: float) -> Run:
    return run_with("r", series("loss", np.arange(30), np.r_[np.linspace(2, 1, 29), last]))


def test_plugins_are_discovered_by_entry_point(installed_plugin: None) -> None:
    plugins = {p.name: p for p in discover_plugins()}
    assert {"loss_above", "broken", "wrong_type", "not_callable", "missing"} <= set(plugins)
    assert plugins["loss_above"].func is not None and plugins["loss_above"].error == ""
    assert "cannot be loaded: ModuleNotFoundError" in plugins["missing"].error
    assert "is not callable" in plugins["not_callable"].error


def test_plugin_alerts_join_the_builtin_ones_and_read_their_config(installed_plugin: None) -> None:
    plugins = [p for p in discover_plugins() if p.name == "loss_above"]
    alerts = run_health(run_with_loss(5.0), config_from_dict({}), now=T0, plugins=plugins)
    assert [(a.kind, a.message) for a in alerts] == [("loss_above", "loss 5 > 1.0")]
    cfg = config_from_dict({"plugins": {"loss_above": {"limit": 10}}})
    assert run_health(run_with_loss(5.0), cfg, now=T0, plugins=plugins) == []


def test_failing_plugins_become_one_notice_each_and_never_raise(installed_plugin: None) -> None:
    alerts = run_health(
        run_with_loss(5.0), config_from_dict({}), now=T0, plugins=discover_plugins()
    )
    errors = {a.message.split("'")[1]: a for a in alerts if a.kind == AlertKind.DETECTOR_ERROR}
    assert set(errors) == {"broken", "wrong_type", "not_callable", "missing"}
    assert "raised RuntimeError: boom" in errors["broken"].message
    assert "returned str, not Alert" in errors["wrong_type"].message
    assert all(a.run == "r" and a.step == -1 for a in errors.values())
    assert alerts[0].kind == "loss_above"  # notices sort after real alerts


def test_the_documented_example_plugin_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "health.md").read_text()
    code = docs.split("# my_detectors/spike.py\n", 1)[1].split("```", 1)[0]
    (tmp_path / "my_detectors").mkdir()
    (tmp_path / "my_detectors" / "__init__.py").write_text("")
    (tmp_path / "my_detectors" / "spike.py").write_text(code)
    info = tmp_path / "my_detectors-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-detectors\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{GROUP}]\nloss_spike = my_detectors.spike:loss_spike\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = [p for p in discover_plugins() if p.name == "loss_spike"]
    losses = np.r_[np.linspace(2, 1, 39), 9.0]
    run = run_with("r", series("train/loss", np.arange(40), losses))
    [alert] = run_health(run, config_from_dict({}), now=T0, plugins=plugins)
    assert alert.kind == "loss_spike" and alert.step == 39
    calm = run_with("r", series("train/loss", np.arange(40), np.linspace(2, 1, 40)))
    assert run_health(calm, config_from_dict({}), now=T0, plugins=plugins) == []
