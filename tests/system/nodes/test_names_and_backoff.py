"""The ``[prometheus]`` config table and the monitor's backoff."""

from __future__ import annotations

import sys

import pytest

from tfwatch.system.nodes.cluster import next_wait
from tfwatch.system.nodes.errors import NodeConfigError
from tfwatch.system.nodes.prometheus_names import PrometheusNames, prometheus_names
from tfwatch.system.nodes.prometheus_readings import family_queries

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def test_names_from_the_config_file() -> None:
    doc = tomllib.loads(
        """
        [prometheus]
        rate_window = "2m"
        [prometheus.metrics]
        gpu_util = "amd_gpu_use_percent"
        pod_phase = ""
        [prometheus.labels]
        pod = "exported_pod"
        hostname = "node"
        """
    )
    names = prometheus_names(doc, "cfg.toml")
    queries = family_queries(names)
    assert "pod_phase" not in queries
    assert queries["gpu_memory_used"] == "max by (instance, node, gpu) (DCGM_FI_DEV_FB_USED)"
    assert queries["gpu_util"] == (
        "max by (instance, node, gpu, UUID, modelName, exported_pod, namespace, container) "
        "(amd_gpu_use_percent)"
    )
    assert queries["cpu"].endswith('(irate(node_cpu_seconds_total{mode="idle"}[2m])))')
    assert prometheus_names({}) == PrometheusNames()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"prometheus": {"metric": {}}}, "cfg.toml: prometheus.metric: unknown key"),
        ({"prometheus": {"metrics": {"gpu": "x"}}}, "cfg.toml: prometheus.metrics.gpu: unknown"),
        ({"prometheus": {"metrics": {"up": "up{x}"}}}, "cfg.toml: prometheus.metrics.up: expected"),
        ({"prometheus": {"labels": {"pod": ""}}}, "cfg.toml: prometheus.labels.pod: expected"),
        ({"prometheus": {"rate_window": 60}}, "cfg.toml: prometheus.rate_window: expected"),
        ({"prometheus": 3}, "cfg.toml: prometheus: expected a table"),
    ],
)
def test_config_mistakes_name_the_key(doc: dict[str, object], message: str) -> None:
    with pytest.raises(NodeConfigError) as caught:
        prometheus_names(doc, "cfg.toml")
    assert str(caught.value).startswith(message)


def test_backoff_doubles_up_to_its_ceiling() -> None:
    assert [next_wait(2.0, n, 30.0) for n in range(6)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert next_wait(1.0, 10_000) == 60.0
