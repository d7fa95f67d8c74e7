"""The live session owns the cluster monitor: the app reads ``session.nodes``."""

from __future__ import annotations

from pathlib import Path

from tests.services.prometheus import wait_until
from tests.system.nodes.cluster import Cluster
from tfwatch.live.factory import open_session
from tfwatch.live.node_sources import node_pollers


def test_the_session_publishes_the_nodes(cluster: Cluster, tbx_run: object, tmp_path: Path) -> None:
    tbx_run("run", {"loss": [(0, 1.0), (1, 0.5)]})  # type: ignore[operator]
    pollers = node_pollers([], environ={"TFWATCH_PROMETHEUS_URL": cluster.prometheus.url})
    session = open_session([str(tmp_path)], system=False, node_pollers=pollers)
    assert session.nodes == ()
    session.start(on_publish=lambda published: None)
    try:
        nodes = wait_until(lambda: len(session.nodes) == 4 and session.nodes, 60, "4 nodes")
        assert {n.name for n in nodes} >= {"gpu-a", "gpu-b", "gpu-c"}
    finally:
        session.stop()
    assert session.cluster is not None
    wait_until(lambda: not session.cluster.running, 30, "the polling threads to end")


def test_no_source_no_monitor(tmp_path: Path, tbx_run: object) -> None:
    tbx_run("run", {"loss": [(0, 1.0)]})  # type: ignore[operator]
    assert node_pollers([], environ={}) == []
    session = open_session([str(tmp_path)], system=False, live=False)
    assert session.cluster is None and session.nodes == ()
