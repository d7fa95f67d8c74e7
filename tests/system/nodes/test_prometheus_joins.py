"""The joins of :func:`node_readings` on answers a real server can give but the
cluster fixture does not: missing labels, a target down since before tfwatch started,
hostile label values."""

from __future__ import annotations

import io

from tfwatch.cli.nodes import write_table
from tfwatch.system.nodes.prometheus_http import Sample
from tfwatch.system.nodes.prometheus_names import PrometheusNames
from tfwatch.system.nodes.prometheus_readings import node_readings

NAMES = PrometheusNames()


def test_a_gpu_without_hostname_belongs_to_its_targets_host() -> None:
    answers = {"gpu_util": [Sample({"instance": "10.0.0.7:9400", "gpu": "3"}, 12.0)]}
    (node,), reported = node_readings(answers, NAMES, now=1.0)
    assert node.name == "10.0.0.7" and [(g.index, g.util) for g in node.gpus or ()] == [(3, 12.0)]
    assert reported == {"10.0.0.7:9400": frozenset({"10.0.0.7"})}


def test_a_target_down_is_remembered_and_one_never_seen_is_named_by_its_host() -> None:
    remembered = {"gpu-9:9400": frozenset({"gpu-9", "gpu-10"})}
    answers = {
        "up": [
            Sample({"instance": "gpu-9:9400", "job": "dcgm"}, 0.0),
            Sample({"instance": "[fd00::5]:9100", "job": "node"}, 0.0),
            Sample({"instance": "ok:9100", "job": "node"}, 1.0),
        ]
    }
    readings, _ = node_readings(answers, NAMES, remembered, now=1.0)
    assert [(r.name, r.up, r.error) for r in readings] == [
        ("fd00::5", False, "target [fd00::5]:9100 (job node) is down (up = 0)"),
        ("gpu-10", False, "target gpu-9:9400 (job dcgm) is down (up = 0)"),
        ("gpu-9", False, "target gpu-9:9400 (job dcgm) is down (up = 0)"),
    ]


def test_hostile_label_values_never_reach_the_terminal() -> None:
    evil = "gpu\x1b]0;pwned\x07\n-1"
    answers = {
        "gpu_util": [Sample({"instance": "x:1", "Hostname": evil, "gpu": "0"}, 1.0)],
        "up": [Sample({"instance": "x:1", "job": "\x1b[31mred"}, 0.0)],
    }
    readings, _ = node_readings(answers, NAMES, now=1.0)
    out = io.StringIO()
    write_table(tuple(readings), {}, out)
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert out.getvalue().count("\n") == 4  # header, one node, a blank line, its error
