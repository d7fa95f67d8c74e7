"""Where a run runs: its node and the GPUs that are its own.

A run's host is the one its newest event file's name records (with the writer's PID
when the writer puts one there). The run joins the node that host names
(:func:`~tfwatch.model.nodes.node_for_host`). Its GPUs are, first, the GPUs given to the
pod of that name (Kubernetes: a pod's host name is its name), else the GPUs whose
process list holds the writer's PID (sources that list GPU processes). Anything else is
unknown (None): the GPUs of a shared node are never all taken for one run's.

A remote run whose host is a pod that kube-state-metrics reports takes its state from
the pod's phase (:func:`with_pod_phase`): nothing on this machine can see its process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tfwatch.model.event_file_names import EventFileName, parse_event_file_name, same_host
from tfwatch.model.nodes import NodeGpu, NodeReading, PodPhase, node_for_host
from tfwatch.model.run_states import RunState
from tfwatch.system.run_state import RunStatus


@dataclass(frozen=True)
class RunPlacement:
    """A run's host, node and own GPUs (None where unknown)."""

    host: str | None = None
    node: NodeReading | None = None
    #: The run's GPUs (None: unknown; empty: the source tells it uses none).
    gpus: tuple[NodeGpu, ...] | None = None

    @property
    def gpu_util(self) -> float | None:
        """Mean utilisation % of the run's GPUs (None when unknown or none report it)."""
        utils = [g.util for g in self.gpus or () if g.util is not None]
        return sum(utils) / len(utils) if utils else None


def writer_name(event_files: Iterable[str]) -> EventFileName | None:
    """The parsed name of the newest event file that records a host."""
    named = [n for n in map(parse_event_file_name, event_files) if n.host]
    return max(named, key=lambda n: n.created or 0.0, default=None)


def place_run(nodes: Sequence[NodeReading], event_files: Iterable[str]) -> RunPlacement:
    """The run's placement among ``nodes`` from its event files' names."""
    name = writer_name(event_files)
    if name is None or name.host is None:
        return RunPlacement()
    node = node_for_host(tuple(nodes), name.host)
    if node is None:
        return RunPlacement(name.host)
    return RunPlacement(name.host, node, run_gpus(node, name.host, name.pid))


def run_gpus(node: NodeReading, host: str, pid: int | None) -> tuple[NodeGpu, ...] | None:
    """The GPUs of ``node`` that belong to the writer on ``host`` (PID ``pid``)."""
    if node.gpus is None:
        return None
    by_pod = tuple(g for g in node.gpus if g.pod is not None and same_host(host, g.pod))
    if by_pod:
        return by_pod
    listed = [g for g in node.gpus if g.processes is not None]
    if pid is None or not listed:
        return None
    return tuple(g for g in listed if any(p.pid == pid for p in g.processes or ()))


def pod_phase(placement: RunPlacement) -> PodPhase | None:
    """The phase of the Kubernetes pod the run's host names, when a source knows it."""
    if placement.node is None or placement.host is None:
        return None
    host = placement.host
    return next((p for p in placement.node.pods if same_host(host, p.pod)), None)


def with_pod_phase(status: RunStatus, placement: RunPlacement) -> RunStatus:
    """A remote run's state from its pod's phase: Failed → crashed, Succeeded →
    finished, Running → running (stalled once quiet past the stall threshold). Local
    runs, and pods pending or of unknown phase, keep the state their process gave."""
    phase = pod_phase(placement)
    if not status.remote or phase is None:
        return status
    pod = f"{phase.namespace}/{phase.pod}" if phase.namespace else phase.pod
    if phase.phase == "Failed":
        return replace(status, state=RunState.CRASHED, reason=f"pod {pod} failed")
    if phase.phase == "Succeeded":
        return replace(status, state=RunState.FINISHED, reason=f"pod {pod} succeeded")
    if phase.phase == "Running":
        if status.recent:
            return replace(status, state=RunState.RUNNING, reason=f"pod {pod} running")
        return replace(
            status, state=RunState.STALLED, reason=f"pod {pod} running; nothing written lately"
        )
    return status
