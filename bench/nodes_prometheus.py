#!/usr/bin/env python3
"""Cost of one poll of the Prometheus node reader on a large cluster.

A real Prometheus (Debian's ``prometheus``) scrapes, every 2 s, a made-up cluster of
``--nodes`` nodes × ``--gpus`` GPUs: per node a DCGM exporter (the exact metric and
label names) and node_exporter's facts, plus kube-state-metrics with one pod per GPU.
The exporters run in a child process, so this process's CPU time is the reader's alone.
Prints, per poll, the queries sent, the answer bytes read, wall and CPU milliseconds
(medians over ``--polls``).

    python bench/nodes_prometheus.py [--nodes 64] [--gpus 8] [--polls 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.services.cluster_exporters import DcgmExporter, FakeGpu, NodeFacts, PodPhases
from tests.services.prometheus import MetricsServer, PrometheusServer, ScrapeTarget, free_port
from tfwatch.system.nodes.prometheus_poller import PrometheusPoller


def node_name(i: int) -> str:
    return f"gpu-node-{i:03d}"


def serve_cluster(port: int, nodes: int, gpus: int) -> None:
    """The child process: every exporter on one port, one path each."""
    server = MetricsServer(port)
    pods: dict[tuple[str, str], tuple[str, str]] = {}
    for i in range(nodes):
        name = node_name(i)
        devices = []
        for g in range(gpus):
            pod = f"train-{i:03d}-{g}"
            pods[("ml", pod)] = ("Running", name)
            devices.append(
                FakeGpu(g, util=(i * 7 + g * 13) % 100, memory_used_mib=1000.0 * g, pod=pod,
                        namespace="ml", container="main")
            )  # fmt: skip
        server.serve(f"/dcgm/{name}", DcgmExporter(name, devices))
        server.serve(f"/node/{name}", NodeFacts(name, cpus=64))
    server.serve("/ksm", PodPhases(pods))
    while True:
        time.sleep(3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=64)
    parser.add_argument("--gpus", type=int, default=8)
    parser.add_argument("--polls", type=int, default=20)
    args = parser.parse_args()

    port = free_port()
    child = multiprocessing.get_context("fork").Process(
        target=serve_cluster, args=(port, args.nodes, args.gpus), daemon=True
    )
    child.start()
    address = f"127.0.0.1:{port}"
    targets = [ScrapeTarget("kube-state-metrics", address, "/ksm")]
    for i in range(args.nodes):
        name = node_name(i)
        targets += [
            ScrapeTarget("dcgm", address, f"/dcgm/{name}", {"instance": f"{name}:9400"}),
            ScrapeTarget("node", address, f"/node/{name}", {"instance": f"{name}:9100"}),
        ]
    with tempfile.TemporaryDirectory() as tmp:
        prometheus = PrometheusServer(Path(tmp), targets, scrape_interval="2s")
        try:
            prometheus.start()
            prometheus.wait_for_query("up == 1", count=len(targets), timeout=120)
            expected_gpus = args.nodes * args.gpus
            prometheus.wait_for_query("DCGM_FI_DEV_GPU_UTIL", count=expected_gpus, timeout=120)
            prometheus.wait_for_query(
                'irate(node_cpu_seconds_total{mode="idle"}[1m])', count=args.nodes, timeout=120
            )
            measure(prometheus.url, args.polls, args.nodes, expected_gpus)
        finally:
            prometheus.close()
            child.terminate()


def measure(url: str, polls: int, nodes: int, gpus: int) -> None:
    poller = PrometheusPoller(url)
    walls, cpus, sizes, counts = [], [], [], []
    try:
        poller.poll(time.monotonic() + 30)  # warm: threads and connections made
        for _ in range(polls):
            queries, read = poller.client.queries, poller.client.bytes_read
            wall, cpu = time.perf_counter(), time.process_time()
            readings = poller.poll(time.monotonic() + 30)
            walls.append((time.perf_counter() - wall) * 1000.0)
            cpus.append((time.process_time() - cpu) * 1000.0)
            counts.append(poller.client.queries - queries)
            sizes.append(poller.client.bytes_read - read)
            got = sum(len(r.gpus or ()) for r in readings)
            assert len(readings) == nodes and got == gpus, (len(readings), got)
    finally:
        poller.close()
    print(f"{nodes} nodes × {gpus // nodes} GPUs through Prometheus, {polls} polls:")
    print(f"  queries per poll   {statistics.median(counts):.0f}")
    print(f"  bytes per poll     {statistics.median(sizes):,.0f}")
    print(f"  wall ms per poll   median {statistics.median(walls):.1f}  max {max(walls):.1f}")
    print(f"  CPU ms per poll    median {statistics.median(cpus):.1f}  max {max(cpus):.1f}")


if __name__ == "__main__":
    main()
