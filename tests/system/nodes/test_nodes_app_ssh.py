"""The app over an SSH node (a real SSH server on 127.0.0.1 running the probe in ``sh``
here, a stand-in ``nvidia-smi`` listing the writer on a GPU, a real tensorboardX writer
process), driven headless with pilot keys: the node list of the system panel, the
``node`` columns and ``node:`` filter, ``P`` and ``K`` (refused, then allowed and sent
through the node's connection), and ``node_down`` once the server stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.nvidia_smi_standin import H100_GPUS, h100_apps
from tests.system.nodes.ssh_node_server import NodeServer
from tests.system.writers import WriterFactory
from tests.ui.app_driving import screen_text, sync, wait_for
from tfwatch.live.factory import open_session
from tfwatch.model.event_file_names import local_hostname
from tfwatch.ui.actions.node_processes import REMOTE_KILL_MESSAGE
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.node import NodeScreen
from tfwatch.ui.screens.process import ConfirmSignal, ProcessScreen


def node_app(server: NodeServer, root: Path, **options: Any) -> TfwatchApp:
    """The app over ``root`` with the SSH node as its only node source (no local
    sampler: the runs written here are the node's, as on another machine)."""
    session = open_session(
        [str(root)], system=False, node_pollers=[server.poller("gpu")], node_interval=0.5
    )
    return TfwatchApp(session, **options)


def run_on_node(app: TfwatchApp, name: str) -> Any:
    return app.snapshot.runs.get(name) if app.snapshot else None


@sync
async def test_nodes_panel_filter_process_and_refused_kill(
    node_server: NodeServer,
    writers: WriterFactory,
    tmp_path: Path,
) -> None:
    writer = writers.spawn("tbx", tmp_path / "logs" / "train")
    writer.write(3)
    node_server.smi.answer(H100_GPUS, h100_apps(writer.pid))
    app = node_app(node_server, tmp_path / "logs")
    host = local_hostname()
    async with app.run_test(size=(160, 40)) as pilot:
        # The run takes its state from the node's process table: running, its writer's PID.
        await wait_for(
            pilot,
            lambda: (r := run_on_node(app, "train")) is not None
            and r.node == host and r.state == "running" and r.pid == writer.pid,
            60,
        )  # fmt: skip
        run = run_on_node(app, "train")
        assert run.gpu_util is not None  # its GPU (the stand-in lists its PID on GPU 0)
        text = screen_text(app)
        assert "gpu%" in text and "node" in text
        await pilot.press("p")
        await wait_for(pilot, lambda: "runs: train" in screen_text(app), 20)
        line = next(li for li in screen_text(app).splitlines() if "runs: train" in li)
        assert host in line and "ssh" in line and "GPU" in line and "CPU" in line
        # Enter on the node opens it: its GPUs and the writer among its processes.
        app.query_one("#nodes").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NodeScreen), 10)
        await wait_for(pilot, lambda: str(writer.pid) in screen_text(app), 10)
        text = screen_text(app)
        assert "GPU0" in text and "H100" in text and "train" in text
        await pilot.press("escape")
        app.runs_table.focus()
        # node: filter.
        app.set_filter(f"node:{host}")
        await pilot.pause(0.2)
        assert app.runs_table.order == ["train"]
        app.set_filter("node:no-such-node")
        await pilot.pause(0.2)
        assert app.runs_table.order == []
        app.set_filter("")
        await wait_for(pilot, lambda: app.runs_table.order == ["train"], 10)
        # P: the writer on its node.
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessScreen), 10)
        text = screen_text(app)
        assert str(writer.pid) in text and f"node {host}" in text
        await pilot.press("escape")
        # K: refused on another node without --allow-remote-kill.
        await pilot.press("K")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmSignal)
        refused = REMOTE_KILL_MESSAGE.format(run="train", node=host)
        assert any(n.message == refused for n in app._notifications)
    writer.exit()


@sync
async def test_allowed_kill_goes_through_the_node_and_node_down_fires(
    node_server: NodeServer,
    writers: WriterFactory,
    tmp_path: Path,
) -> None:
    writer = writers.spawn("tbx", tmp_path / "logs" / "job")
    writer.write(3)
    victim = writers.spawn("tbx", tmp_path / "logs" / "victim")
    victim.write(3)
    node_server.smi.answer(H100_GPUS, h100_apps(writer.pid))
    app = node_app(node_server, tmp_path / "logs", allow_remote_kill=True)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: all(
                (r := run_on_node(app, n)) is not None and r.state == "running" and r.pid == w.pid
                for n, w in (("job", writer), ("victim", victim))
            ),
            60,
        )
        app.set_filter("victim")  # the only row: the cursor is on it
        await wait_for(pilot, lambda: app.runs_table.current_run == "victim", 10)
        await pilot.press("K")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSignal), 10)
        assert str(victim.pid) in screen_text(app)
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any("sent SIGTERM" in n.message for n in app._notifications), 30
        )
        victim.wait_gone()
        # The node goes away: after more than two polls the live run's node is down.
        node_server.server.stop()
        await wait_for(
            pilot,
            lambda: "node_down" in (getattr(run_on_node(app, "job"), "alerts", ()) or ()),
            60,
        )
        job = run_on_node(app, "job")
        assert job.state == "unknown" and "unreachable" in job.state_reason
        await pilot.press("p")
        await wait_for(pilot, lambda: "down:" in screen_text(app), 20)
    node_server.server.start()
    writer.exit()
