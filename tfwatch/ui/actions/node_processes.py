"""Runs written on other nodes, for ``P`` and ``K``: the writer as its node lists it,
and ``K`` refused unless ``--allow-remote-kill`` (then ``kill`` through the node's own
SSH connection, off the UI thread, after the same confirmation as a local process)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App

from tfwatch.live.facade import ProcessRef, SshNodePoller, signal_node_process
from tfwatch.live.view_models import RunSummary
from tfwatch.model.event_file_names import same_host
from tfwatch.model.nodes import NodeReading, NodeSource
from tfwatch.text.safe_text import printable
from tfwatch.ui.screens.process import RunProcess

if TYPE_CHECKING:
    from tfwatch.live.session import LiveSession

REMOTE_KILL_MESSAGE = (
    "{run} runs on node {node}: tfwatch does not signal processes on other nodes "
    "(start it with --allow-remote-kill)"
)


def node_process(summary: RunSummary | None, nodes: Sequence[NodeReading]) -> RunProcess | None:
    """The writer of a run on another node, as that node lists it (None: the run is
    not on another node a source reads)."""
    if summary is None or summary.node is None:
        return None
    node = next((n for n in nodes if n.name == summary.node), None)
    if node is None or node.source is NodeSource.LOCAL:
        return None
    ref, command, user = None, "", None
    if summary.pid is not None:
        listed = next((p for p in node.processes or () if p.pid == summary.pid), None)
        started = listed.started if listed is not None else None
        ref = ProcessRef(summary.pid, started if started is not None else 0.0)
        if listed is not None:
            command, user = listed.command or "", listed.user
    return RunProcess(
        summary.name, summary.state, summary.state_reason, True, ref, command, user, None,
        node.name,
    )  # fmt: skip


def node_poller(session: LiveSession, node: str) -> SshNodePoller | None:
    """The SSH poller that reads ``node`` (None: no SSH source reads it)."""
    cluster = session.cluster
    for poller in cluster.pollers if cluster is not None else ():
        if isinstance(poller, SshNodePoller) and same_host(node, poller.node_name):
            return poller
    return None


def stop_on_node(
    app: App[Any], session: LiveSession, proc: RunProcess, signal_name: str, done: Any
) -> None:
    """Send ``signal_name`` to ``proc`` on its node in a thread; ``done(outcome)`` is
    called on the UI thread with the outcome."""
    assert proc.ref is not None and proc.node is not None
    poller = node_poller(session, proc.node)
    if poller is None:
        app.notify(
            f"node {printable(proc.node)} is not read over SSH: no way to signal it",
            severity="warning",
            markup=False,
        )
        return

    ref = proc.ref

    def send() -> None:
        outcome = signal_node_process(poller, ref.pid, ref.create_time or None, signal_name)
        app.call_from_thread(done, outcome)

    app.run_worker(send, thread=True, name="remote signal", exclusive=False)
