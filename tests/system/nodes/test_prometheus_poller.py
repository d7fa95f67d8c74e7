"""The Prometheus reader against a real Prometheus scraping DCGM-named exporters, node
facts, kube-state-metrics' pod phases and a real node exporter (see conftest.py)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.services.prometheus import wait_until
from tests.system.nodes.cluster import Cluster
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeReading, NodeSource, PodPhase, node_for_host
from tfwatch.system.nodes.prometheus_names import MetricNames, PrometheusNames
from tfwatch.system.nodes.prometheus_poller import PrometheusPoller
from tfwatch.system.nodes.prometheus_readings import NO_GPU_METRICS


def poll(poller: PrometheusPoller) -> dict[str, NodeReading]:
    return {r.name: r for r in poller.poll(time.monotonic() + 30)}


def meminfo_total_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def test_every_node_with_its_gpus_pods_cpu_and_memory(cluster: Cluster) -> None:
    poller = PrometheusPoller(cluster.prometheus.url)
    try:
        nodes = poll(poller)
    finally:
        poller.close()
    here = local_hostname()
    assert sorted(nodes) == sorted(["gpu-a", "gpu-b", "gpu-c", here])
    assert all(
        n.source is NodeSource.PROMETHEUS and n.up and n.error is None for n in nodes.values()
    )

    a = nodes["gpu-a"]
    assert [(g.index, g.util, g.memory_used_mib, g.memory_total_mib) for g in a.gpus or ()] == [
        (0, 90.0, 30_000.0, 81_559.0),
        (1, 70.0, 28_000.0, 81_559.0),
    ]
    first = (a.gpus or ())[0]
    assert (first.temperature_c, first.power_w, first.model) == (
        64.0,
        312.5,
        "NVIDIA A100-SXM4-80GB",
    )
    assert (first.pod, first.namespace, first.container) == ("trainer-0", "ml", "main")
    assert first.uuid is not None and first.uuid.startswith("GPU-")
    assert a.pods == (PodPhase("trainer-0", "ml", "Running"),)
    # node facts: 4 CPUs idle 75 % of the time (gpu-b: 25 %), memory and load as served
    assert a.cpu_percent is not None and abs(a.cpu_percent - 25.0) < 3.0
    assert nodes["gpu-b"].cpu_percent is not None and abs(nodes["gpu-b"].cpu_percent - 75.0) < 3.0
    assert (a.memory_total_bytes, a.memory_used_bytes, a.load1) == (512 * 2**30, 128 * 2**30, 3.5)

    b = nodes["gpu-b"]
    assert [(g.index, g.pod) for g in b.gpus or ()] == [(0, "trainer-1"), (1, None)]
    # eval-2 holds no GPU: kube_pod_info places it on gpu-b
    assert b.pods == (PodPhase("eval-2", "ml", "Succeeded"), PodPhase("trainer-1", "ml", "Failed"))
    assert [g.model for g in nodes["gpu-c"].gpus or ()] == ["NVIDIA H100 80GB HBM3"]

    local = nodes[here]  # the real node exporter: this machine
    assert local.gpus is None and local.gpu_note == NO_GPU_METRICS
    assert local.memory_total_bytes == meminfo_total_bytes()
    assert local.cpu_percent is not None and 0.0 <= local.cpu_percent <= 100.0
    assert (
        local.memory_used_bytes is not None and 0 < local.memory_used_bytes < meminfo_total_bytes()
    )


def test_a_pods_host_name_finds_its_node(cluster: Cluster) -> None:
    poller = PrometheusPoller(cluster.prometheus.url)
    try:
        nodes = tuple(poll(poller).values())
    finally:
        poller.close()
    assert (found := node_for_host(nodes, "trainer-0")) is not None and found.name == "gpu-a"
    assert (found := node_for_host(nodes, "eval-2")) is not None and found.name == "gpu-b"
    assert (found := node_for_host(nodes, "GPU-C.cluster.local")) is not None
    assert found.name == "gpu-c"
    assert node_for_host(nodes, "elsewhere") is None


def test_a_fixed_number_of_queries_per_poll(cluster: Cluster) -> None:
    poller = PrometheusPoller(cluster.prometheus.url)
    try:
        poll(poller)
        first = poller.client.queries
        poll(poller)
        assert poller.client.queries == 2 * first == 2 * len(poller.queries)
        assert poller.client.bytes_read > 0
    finally:
        poller.close()


def test_readings_follow_the_exporters(cluster: Cluster) -> None:
    poller = PrometheusPoller(cluster.prometheus.url)
    gpu = cluster.dcgm["gpu-c"].gpus[0]
    try:
        gpu.util = 12.0
        wait_until(
            lambda: (poll(poller)["gpu-c"].gpus or ())[0].util == 12.0, 30, "util 12 on gpu-c"
        )
    finally:
        gpu.util = 55.0
        poller.close()


def test_a_family_left_out_by_the_config(cluster: Cluster) -> None:
    names = PrometheusNames(metrics=MetricNames(pod_phase="", pod_info=""))
    poller = PrometheusPoller(cluster.prometheus.url, names=names)
    try:
        nodes = poll(poller)
        assert len(poller.queries) == len(PrometheusPoller(cluster.prometheus.url).queries) - 2
    finally:
        poller.close()
    assert nodes["gpu-a"].pods == () and nodes["gpu-b"].pods == ()
    assert (nodes["gpu-a"].gpus or ())[0].pod == "trainer-0"  # still on the GPU's labels
