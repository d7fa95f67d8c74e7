"""The app over a real Prometheus (DCGM exporter, node facts, kube-state-metrics; see
conftest.py), driven headless: the node list of the system panel, a pod's run with its
own GPUs' utilisation, the ``node:`` filter, and ``node_down`` when a node's exporter
goes away (``up`` = 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.services.prometheus import MetricsServer
from tests.system.nodes.conftest import Cluster
from tests.ui.app_driving import screen_text, sync, wait_for
from tests.writers import only_event_file
from tfwatch.live.factory import open_session
from tfwatch.live.node_sources import node_pollers
from tfwatch.model.event_file_names import parse_event_file_name
from tfwatch.ui.app import TfwatchApp


def write_run(root: Path, name: str, host: str) -> None:
    """A tensorboardX run whose event file names ``host`` as its writer's."""
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(root / name))
    for step in range(5):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.close()
    path = only_event_file(root / name)
    written = parse_event_file_name(path.name).host
    assert written is not None
    path.rename(path.with_name(path.name.replace(f".{written}", f".{host}")))


def summary(app: TfwatchApp, name: str) -> Any:
    return app.snapshot.runs.get(name) if app.snapshot else None


@sync
async def test_prometheus_nodes_in_the_app_and_node_down(cluster: Cluster, tmp_path: Path) -> None:
    write_run(tmp_path, "k8s/trainer-0", "trainer-0")
    write_run(tmp_path, "bare/c", "gpu-c")
    pollers = node_pollers([cluster.prometheus.url], environ={})
    session = open_session([str(tmp_path)], system=False, node_pollers=pollers, node_interval=0.3)
    app = TfwatchApp(session)
    port = cluster.lone_exporter.port
    closed = False
    try:
        async with app.run_test(size=(170, 45)) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    getattr(summary(app, "k8s/trainer-0"), "gpu_util", None) is not None
                    and getattr(summary(app, "bare/c"), "node", None) == "gpu-c"
                ),
                90,
            )
            trainer = summary(app, "k8s/trainer-0")
            assert trainer.node == "gpu-a" and trainer.gpu_util == 80.0  # its pod's 90 and 70
            assert trainer.state == "running" and "pod ml/trainer-0 running" in trainer.state_reason
            await pilot.press("p")
            await wait_for(pilot, lambda: "runs: k8s/trainer-0" in screen_text(app), 20)
            lines = screen_text(app).splitlines()
            a = next(li for li in lines if "gpu-a" in li and "prometheus" in li)
            assert "runs: k8s/trainer-0" in a and "GPU" in a and "CPU" in a
            assert any("gpu-c" in li and "runs: bare/c" in li for li in lines)
            app.set_filter("node:gpu-a")
            await pilot.pause(0.2)
            assert app.runs_table.order == ["k8s/trainer-0"]
            app.set_filter("!node:gpu-a")
            await pilot.pause(0.2)
            assert app.runs_table.order == ["bare/c"]
            app.set_filter("")
            # gpu-c's exporter goes away: up = 0, the node is down, its live run alerts.
            cluster.lone_exporter.close()
            closed = True
            await wait_for(
                pilot, lambda: "node_down" in getattr(summary(app, "bare/c"), "alerts", ()), 120
            )
            gone = summary(app, "bare/c")
            assert gone.state == "unknown" and "(up = 0)" in gone.state_reason
            assert "node_down" not in summary(app, "k8s/trainer-0").alerts
            await wait_for(pilot, lambda: "down: target gpu-c:9400" in screen_text(app), 20)
    finally:
        if closed:
            cluster.lone_exporter = MetricsServer(port)
            cluster.lone_exporter.serve("/metrics", cluster.dcgm["gpu-c"])
    cluster.prometheus.wait_for_query('up{instance="gpu-c:9400"} == 1')
