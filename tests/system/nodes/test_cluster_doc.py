"""docs/cluster.md stays true: its config table is the defaults, its commands parse."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from tfwatch.cli.parser import parse_args
from tfwatch.system.nodes.prometheus_names import PrometheusNames, prometheus_names

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

DOC = (Path(__file__).resolve().parents[3] / "docs" / "cluster.md").read_text(encoding="utf-8")


def test_the_documented_config_is_every_default() -> None:
    (block,) = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    doc = tomllib.loads(block)
    assert prometheus_names(doc, "docs/cluster.md") == PrometheusNames()
    # every name is written out
    assert set(doc["prometheus"]["metrics"]) == set(vars(PrometheusNames().metrics))
    assert set(doc["prometheus"]["labels"]) == set(vars(PrometheusNames().labels))


def test_the_documented_commands_parse() -> None:
    lines = [
        line.split("#")[0].strip()
        for block in re.findall(r"```sh\n(.*?)```", DOC, re.S)
        for line in block.splitlines()
    ]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("tfwatch ")]
    assert len(commands) == 3
    for argv in commands:
        args = parse_args(argv)
        assert args.prometheus == ["http://prometheus:9090"]
