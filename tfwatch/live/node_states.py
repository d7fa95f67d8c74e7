"""Runs written on other nodes: their node, their own GPUs and their state from that
node's readings, for the live snapshot.

A run's node is the one its event files name
(:func:`~tfwatch.system.nodes.run_placement.place_run`).
Runs of this machine (the ``local`` node, or no node at all) keep the sampler's state.
For a run on another node:

- the node lists its processes (SSH): the node linkage's state
  (:class:`~tfwatch.system.nodes.node_linkage.NodeRunTracker`: running, stalled,
  finished, crashed by the rules used here);
- the node does not list processes (Prometheus): the recency guess, unless its pod's
  phase says more (:func:`~tfwatch.system.nodes.run_placement.with_pod_phase`);
- the node is unreachable (or its targets are down): ``unknown``, saying why, never a
  guess from a process table that did not come; a node that never answered (an SSH
  root's server that runs no commands) is no node: its runs keep the recency state.

Called on the ingest thread; :meth:`NodeStates.inputs` under the store's lock, the rest
outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from tfwatch.ingest.tailer import Tailer
from tfwatch.live.run_inputs import RunInputsCache
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.model.event_file_names import parse_event_file_name
from tfwatch.model.nodes import NodeReading, NodeSource
from tfwatch.model.run_states import StateThresholds
from tfwatch.store.runs import Run
from tfwatch.system.linkage import RunFiles, RunLink
from tfwatch.system.nodes.node_linkage import NodeRunTracker
from tfwatch.system.nodes.run_placement import (
    RunPlacement,
    place_run,
    pod_phase,
    run_gpus,
    with_pod_phase,
)
from tfwatch.system.run_state import RunProgress, RunStatus, classify_run

RunInputs = Sequence[tuple[RunFiles, RunProgress]]
#: Seconds after which states are computed again though nothing changed.
STATE_REFRESH_S = 5.0


@dataclass(frozen=True)
class RunOnNode:
    """Where a run runs, as the runs table shows it (None where unknown)."""

    host: str | None
    node: str | None
    #: Mean utilisation and memory use (%) of the run's own GPUs.
    gpu_util: float | None
    gpu_memory: float | None


def _gpu_memory(placement: RunPlacement) -> float | None:
    used = [
        100.0 * g.memory_used_mib / g.memory_total_mib
        for g in placement.gpus or ()
        if g.memory_used_mib is not None and g.memory_total_mib
    ]
    return sum(used) / len(used) if used else None


def _by_recency(files: RunFiles, progress: RunProgress, now: float) -> RunStatus:
    """A remote run's status from its writes alone (no process to look at)."""
    hosts = tuple(h for f in files.event_files if (h := parse_event_file_name(f).host))
    return classify_run(RunLink(files.name, True, hosts, 0.0), progress, now)


def _by_writer(placement: RunPlacement, status: RunStatus | None) -> RunPlacement:
    """The placement with the GPUs of the writer the linkage found, when the file name
    gave no PID (tensorboardX, Keras): a GPU lists that process."""
    node, host = placement.node, placement.host
    if placement.gpus or node is None or host is None or status is None or not status.alive:
        return placement
    gpus = run_gpus(node, host, status.pid)
    return placement if gpus is None else replace(placement, gpus=gpus)


class NodeStates:
    """The node-based states and placements of every run, tick after tick."""

    def __init__(self, thresholds: StateThresholds | None = None) -> None:
        self._tracker = NodeRunTracker(thresholds)
        self._inputs = RunInputsCache()
        # The nodes, run versions and time of the last computation, and its states.
        self._last: tuple[object, dict[str, int], float] = (None, {}, 0.0)
        self._remote: dict[str, RunStatus] = {}
        #: Nodes that answered at least once.
        self._answered: set[str] = set()
        #: Per run: the builder's summary, its place, and the summary made of both.
        self.placed: dict[str, tuple[RunSummary, RunOnNode, RunSummary]] = {}
        #: The last placement of each run (read by the node alerts).
        self.placements: dict[str, RunPlacement] = {}

    def refreshed(
        self,
        nodes: Sequence[NodeReading],
        tailer: Tailer[Run],
        local: Mapping[str, RunStatus] | None,
        now: float,
    ) -> dict[str, RunStatus]:
        """:meth:`states`, computed again only when the nodes were read again, a run
        changed, or :data:`STATE_REFRESH_S` passed (states age with the clock): an idle
        tick costs a comparison, not a linkage of every run."""
        with tailer.lock:
            versions = {name: run.version for name, run in tailer.runs.items()}
            fresh = (
                nodes is not self._last[0]
                or versions != self._last[1]
                or now - self._last[2] >= STATE_REFRESH_S
            )
            inputs = self.inputs(tailer.runs.values()) if fresh else None
        if inputs is not None:
            self._remote = self.states(nodes, inputs, {}, now)
            self._last = (nodes, versions, now)
        out = dict(local or {})
        out.update(self._remote)
        return out

    def inputs(self, runs: Iterable[Run]) -> list[tuple[RunFiles, RunProgress]]:
        """The runs' plain inputs (call under the store's lock; cached per version)."""
        return self._inputs.inputs(runs)

    def states(
        self,
        nodes: Sequence[NodeReading],
        inputs: RunInputs,
        local: Mapping[str, RunStatus] | None,
        now: float,
    ) -> dict[str, RunStatus]:
        """``local`` (the sampler's states) with every run on another node given the
        state its node tells."""
        local = local or {}
        out = dict(local)
        placements: dict[str, RunPlacement] = {}
        tracked: list[tuple[RunFiles, RunProgress]] = []
        for files, progress in inputs:
            placement = place_run(nodes, files.event_files)
            placements[files.name] = placement
            node = placement.node
            if node is None or node.source is NodeSource.LOCAL:
                continue
            if node.up:
                self._answered.add(node.name)
            elif node.name not in self._answered:
                # Never answered (an SFTP-only server behind an SSH root, say): no node
                # to speak of, the run keeps the state its writes give.
                continue
            if node.up and node.processes is None:
                if pod_phase(placement) is not None:
                    status = local.get(files.name) or _by_recency(files, progress, now)
                    out[files.name] = with_pod_phase(status, placement)
            else:
                tracked.append((files, progress))
        if tracked:
            for name, (_, status) in self._tracker.update(nodes, tracked, now).items():
                out[name] = status
        self.placements = {n: _by_writer(p, out.get(n)) for n, p in placements.items()}
        return out

    def where(self, name: str) -> RunOnNode | None:
        """The run's host, node and GPU figures (None before its first placement)."""
        placement = self.placements.get(name)
        if placement is None:
            return None
        node = placement.node.name if placement.node is not None else None
        return RunOnNode(placement.host, node, placement.gpu_util, _gpu_memory(placement))


def with_places(snapshot: Snapshot, states: NodeStates) -> Snapshot:
    """The snapshot with each run's node and GPU figures filled in. A run whose summary
    and place did not change keeps last tick's object, so the table skips its row."""
    runs: dict[str, RunSummary] = {}
    made = states.placed
    for name, summary in snapshot.runs.items():
        where = states.where(name)
        if where is None:
            runs[name] = summary
            continue
        last = made.get(name)
        if last is not None and last[0] is summary and last[1] == where:
            runs[name] = last[2]
            continue
        placed = replace(
            summary,
            host=where.host,
            node=where.node,
            gpu_util=where.gpu_util,
            gpu_memory=where.gpu_memory,
        )
        made[name] = (summary, where, placed)
        runs[name] = placed
    for name in [n for n in made if n not in snapshot.runs]:
        del made[name]
    return replace(snapshot, runs=runs)
