"""A real Prometheus server scraping a real ``tfwatch exporter`` process while real
writers append: what a team's monitoring sees."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.exporter.exporter_process import running_exporter
from tests.exporter.exporter_runs import BAD_UTF8_LABEL, HOSTILE_RUNS, write_run
from tests.services.prometheus_server import (
    RulesPrometheus,
    require_prometheus,
    running_prometheus,
    wait_for,
)

RULES = Path(__file__).parents[2] / "docs" / "alerting" / "tfwatch-rules.yml"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _needs_prometheus() -> None:
    require_prometheus()


def last_steps(server: RulesPrometheus) -> dict[str, float]:
    """``tfwatch_run_last_step`` by run, as Prometheus holds it now."""
    return {r["metric"]["run"]: float(r["value"][1]) for r in server.query("tfwatch_run_last_step")}


def step_is(server: RulesPrometheus, run: str, step: int) -> bool | None:
    return True if last_steps(server).get(run) == step else None


def test_prometheus_follows_a_run_as_its_writer_appends(hostile_logs: Path, tmp_path: Path) -> None:
    import tensorboardX

    # flush_secs: tensorboardX writes its queue out on that period, flush() or not.
    writer = tensorboardX.SummaryWriter(str(hostile_logs / "live"), flush_secs=1)
    for step in range(10):
        writer.add_scalar("train/loss", 1.0 / (step + 1), step)
    writer.flush()
    with (
        running_exporter([hostile_logs], tmp_path / "exporter.log", "--tags", "loss") as exporter,
        running_prometheus(tmp_path / "prom", [exporter.target]) as prometheus,
    ):
        wait_for("the first scrape of step 9", lambda: step_is(prometheus, "live", 9))
        for step in range(10, 30):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        writer.flush()
        wait_for("step 29 in Prometheus", lambda: step_is(prometheus, "live", 29))
        writer.close()
        # Every hostile name arrives in Prometheus as it was written.
        runs = set(last_steps(prometheus))
        assert {*HOSTILE_RUNS.values(), BAD_UTF8_LABEL} <= runs
        for name in HOSTILE_RUNS.values():
            assert step_is(prometheus, name, 19)
        loss = prometheus.query('tfwatch_scalar_last{run="live", tag="train/loss"}')
        assert float(loss[0]["value"][1]) == pytest.approx(1 / 30)
        assert [t["labels"]["instance"] for t in prometheus.targets_up()] == [exporter.target]


def fast_rules(directory: Path) -> Path:
    """The shipped rules with every ``for:`` at 0s, so a test need not wait minutes."""
    rules: dict[str, Any] = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule["for"] = "0s"
    path = directory / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    return path


def firing(server: RulesPrometheus, alertname: str) -> set[str] | None:
    found = server.query(f'ALERTS{{alertstate="firing", alertname="{alertname}"}}')
    return {r["metric"]["run"] for r in found} or None


def test_a_nan_run_makes_the_example_alert_fire(hostile_logs: Path, tmp_path: Path) -> None:
    rules = fast_rules(tmp_path)
    with (
        running_exporter([hostile_logs], tmp_path / "exporter.log") as exporter,
        running_prometheus(tmp_path / "prom", [exporter.target], [rules]) as prometheus,
    ):
        assert wait_for("TfwatchRunNaN to fire", lambda: firing(prometheus, "TfwatchRunNaN")) == {
            "went_nan"
        }
        alert = prometheus.query('ALERTS{alertname="TfwatchRunNaN"}')[0]["metric"]
        assert alert["severity"] == "page" and alert["root"] == "logs"
        assert firing(prometheus, "TfwatchRunDiverging") is None


def test_the_exporter_survives_a_root_that_disappears_and_comes_back(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    write_run(root, "run", [1.0, 0.5, 0.25])
    with running_exporter([root], tmp_path / "exporter.log") as exporter:

        def failing(expected: float) -> bool | None:
            text = exporter.scrape()
            return True if f"tfwatch_roots_failing {expected}" in text else None

        wait_for("the run to be read", lambda: 'run="run"' in exporter.scrape() or None)
        root.rename(tmp_path / "moved")
        wait_for("the root to be reported failing", lambda: failing(1.0))
        assert 'tfwatch_root_up{root="logs"} 0.0' in exporter.scrape()
        (tmp_path / "moved").rename(root)
        wait_for("the root to be read again", lambda: failing(0.0))
        write_run(root, "second", [3.0])
        wait_for("a new run after the return", lambda: 'run="second"' in exporter.scrape() or None)
        assert exporter.process.poll() is None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_exporter_cleanly(tmp_path: Path, signum: int) -> None:
    write_run(tmp_path / "logs", "run", [1.0])
    with running_exporter([tmp_path / "logs"], tmp_path / "exporter.log") as exporter:
        assert "tfwatch_run_last_step" in exporter.scrape()
        exporter.process.send_signal(signum)
        assert exporter.process.wait(30) == 0
        log = exporter.log.read_text()
        assert "Traceback" not in log
        with pytest.raises(OSError):
            exporter.scrape()


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    write_run(tmp_path / "logs", "run", [1.0])
    with running_exporter([tmp_path / "logs"], tmp_path / "exporter.log") as exporter:
        done = subprocess.run(
            ["python", "-m", "tfwatch", "exporter", str(tmp_path / "logs"), "--listen",
             exporter.target],
            capture_output=True, text=True, timeout=120, env=dict(os.environ),
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"tfwatch: cannot listen on {exporter.target}:")
    assert done.stderr.count("\n") == 1
