"""The rules and the dashboard shipped in docs/alerting/ hold: the rules load in
``promtool``, and every query names only metrics the exporter serves and is accepted by a
real Prometheus."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.exporter.exporter_runs import write_run
from tests.exporter.test_once import once
from tests.services.prometheus_server import promtool, running_prometheus

DOCS = Path(__file__).parents[2] / "docs"
RULES = DOCS / "alerting" / "tfwatch-rules.yml"
DASHBOARD = DOCS / "alerting" / "tfwatch-dashboard.json"

_METRIC = re.compile(r"\btfwatch_[a-z_]+\b")


def rule_queries() -> list[str]:
    rules: dict[str, Any] = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


@pytest.fixture(scope="module")
def served_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every sample name the exporter serves (histogram and counter suffixes included),
    and the histogram's own name."""
    root = tmp_path_factory.mktemp("logs")
    write_run(root, "run", [1.0, 0.5])
    names = {s.name for s in once(str(root), "--tags", "loss")}
    return names | {n.removesuffix("_bucket") for n in names}


def test_the_rules_load_in_promtool() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout


def test_the_dashboard_is_grafana_json_with_the_promised_panels() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert {"Runs by state", "Steps per second", "Active alerts by kind"} <= set(titles)
    for panel in dashboard["panels"]:
        assert panel["datasource"]["type"] == "prometheus"
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
        assert [t["refId"] for t in panel["targets"]] == ["A", "B", "C"][: len(panel["targets"])]


@pytest.mark.parametrize("query", rule_queries() + dashboard_queries())
def test_each_query_names_only_served_metrics(query: str, served_names: set[str]) -> None:
    named = set(_METRIC.findall(query))
    assert named or query.startswith("up{"), query
    assert named <= served_names, named - served_names


def test_prometheus_accepts_every_query(tmp_path: Path) -> None:
    with running_prometheus(tmp_path / "prom", []) as prometheus:
        for query in rule_queries() + dashboard_queries():
            prometheus.get("/api/v1/query", query=query)  # a parse error is status 400


def test_the_page_names_served_metrics_and_valid_commands(served_names: set[str]) -> None:
    from tfwatch.cli.parser import build_parser

    page = (DOCS / "alerting.md").read_text(encoding="utf-8")
    named = set(_METRIC.findall(page))
    assert "tfwatch_run_alerts" in named and "tfwatch_roots_failing" in named
    assert named <= served_names, named - served_names
    commands = [
        shlex.split(line.split("#")[0].split(">")[0])
        for line in page.splitlines()
        if line.startswith("tfwatch exporter ")
    ]
    assert len(commands) >= 3
    for argv in commands:
        assert build_parser().parse_args(argv[1:]).command == "exporter"
    # The YAML examples (prometheus.yml, alertmanager.yml) parse.
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", page, re.S)]
    assert blocks[0]["scrape_configs"][0]["job_name"] == "tfwatch"
    assert blocks[1]["route"]["group_by"] == ["alertname", "root", "run"]
