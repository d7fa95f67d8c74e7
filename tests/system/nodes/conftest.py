"""A made-up GPU cluster behind a real Prometheus, shared by the tests of this folder.

Nodes ``gpu-a`` and ``gpu-b`` (two GPUs each, their DCGM exporter and node facts on the
in-process :class:`MetricsServer`), ``gpu-c`` (one GPU, on an exporter of its own that
a test stops), kube-state-metrics' pod phases, and a real node exporter for this machine.
Pods: ``trainer-0`` has both GPUs of gpu-a, ``trainer-1`` GPU 0 of gpu-b (GPU 1 is
free); ``trainer-1`` has failed, ``eval-2`` (no GPU) succeeded on gpu-b.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ingest.sources.backends import SSHKeys
from tests.services.cluster_exporters import DcgmExporter, FakeGpu, NodeFacts, PodPhases
from tests.services.prometheus import MetricsServer, NodeExporter, PrometheusServer, ScrapeTarget
from tests.system.nodes.cluster import Cluster
from tests.system.nodes.ssh_node_server import NodeServer, serve_nodes


def _gpus(node: str) -> list[FakeGpu]:
    if node == "gpu-a":
        return [
            FakeGpu(0, util=90, memory_used_mib=30_000, temperature_c=64, power_w=312.5,
                    pod="trainer-0", namespace="ml", container="main"),
            FakeGpu(1, util=70, memory_used_mib=28_000, temperature_c=61, power_w=290.0,
                    pod="trainer-0", namespace="ml", container="main"),
        ]  # fmt: skip
    if node == "gpu-b":
        return [
            FakeGpu(0, util=40, memory_used_mib=10_000, pod="trainer-1", namespace="ml",
                    container="main"),
            FakeGpu(1, util=3),
        ]  # fmt: skip
    return [FakeGpu(0, util=55, memory_used_mib=5_000, model="NVIDIA H100 80GB HBM3")]


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Everything started, and scraped at least once, before the first test."""
    exporters, lone = MetricsServer(), MetricsServer()
    node_exporter = NodeExporter()
    prometheus: PrometheusServer | None = None
    try:
        node_exporter.start()
        dcgm = {name: DcgmExporter(name, _gpus(name)) for name in ("gpu-a", "gpu-b", "gpu-c")}
        facts = {name: NodeFacts(name) for name in ("gpu-a", "gpu-b", "gpu-c")}
        facts["gpu-b"].cpu_busy = 0.75
        pods = PodPhases(
            {
                ("ml", "trainer-0"): ("Running", "gpu-a"),
                ("ml", "trainer-1"): ("Failed", "gpu-b"),
                ("ml", "eval-2"): ("Succeeded", "gpu-b"),
            }
        )
        targets = []
        for name in ("gpu-a", "gpu-b"):
            exporters.serve(f"/dcgm/{name}", dcgm[name])
            exporters.serve(f"/node/{name}", facts[name])
            for job, port in (("dcgm", 9400), ("node", 9100)):
                instance = {"instance": f"{name}:{port}"}
                targets.append(ScrapeTarget(job, exporters.address, f"/{job}/{name}", instance))
        lone.serve("/metrics", dcgm["gpu-c"])
        exporters.serve("/node/gpu-c", facts["gpu-c"])
        exporters.serve("/ksm", pods)
        targets += [
            ScrapeTarget("dcgm", lone.address, labels={"instance": "gpu-c:9400"}),
            ScrapeTarget("node", exporters.address, "/node/gpu-c", {"instance": "gpu-c:9100"}),
            ScrapeTarget("node", node_exporter.address),
            ScrapeTarget("kube-state-metrics", exporters.address, "/ksm"),
        ]
        prometheus = PrometheusServer(tmp_path_factory.mktemp("prometheus"), targets)
        prometheus.start()
        # Two scrapes of every target: the CPU rate needs two samples.
        prometheus.wait_for_query("up == 1", count=len(targets))
        prometheus.wait_for_query('rate(node_cpu_seconds_total{mode="idle"}[1m])', count=3 * 4 + 1)
        yield Cluster(prometheus, exporters, lone, node_exporter, dcgm, facts, pods)
    finally:
        if prometheus is not None:
            prometheus.close()
        node_exporter.close()
        exporters.close()
        lone.close()


@pytest.fixture(scope="module")
def node_server(
    ssh_keys: SSHKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeServer]:
    """The SSH server playing nodes ``gpu`` and ``cpu`` (see ssh_node_server.py)."""
    yield from serve_nodes(ssh_keys, tmp_path_factory)
