"""Machines that write runs: one reading per node, whatever source it came from.

A node is read locally (psutil and NVML), over SSH (one shell command per interval) or
from Prometheus (DCGM exporter, node_exporter, kube-state-metrics). Every source fills
the same :class:`NodeReading`; a field a source cannot know stays ``None`` (never a
guess). Runs join nodes by the host in their event files' names
(:func:`tfwatch.model.event_file_names.same_host`), and join processes by PID when the
source lists processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfwatch.model.event_file_names import same_host
from tfwatch.model.text_enum import TextEnum


class NodeSource(TextEnum):
    """Where a node's reading came from."""

    LOCAL = "local"
    SSH = "ssh"
    PROMETHEUS = "prometheus"


@dataclass(frozen=True)
class NodeProcess:
    """One process on a node, as far as the source lists them."""

    pid: int
    ppid: int | None = None
    user: str | None = None
    #: Start time, seconds since the epoch (None when unknown).
    started: float | None = None
    command: str | None = None
    #: Event files this process holds open for writing (absolute paths on the node).
    writes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeGpuProcess:
    """A compute process on one GPU."""

    pid: int
    used_memory_mib: float | None = None
    name: str | None = None


@dataclass(frozen=True)
class NodeGpu:
    """One GPU of a node (units as in ``tfwatch nodes --json``)."""

    index: int
    uuid: str | None = None
    model: str | None = None
    util: float | None = None
    memory_used_mib: float | None = None
    memory_total_mib: float | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    #: The Kubernetes pod the GPU is given to (DCGM exporter's ``pod`` label).
    pod: str | None = None
    namespace: str | None = None
    container: str | None = None
    #: Compute processes on it, when the source lists them (None: unknown).
    processes: tuple[NodeGpuProcess, ...] | None = None


@dataclass(frozen=True)
class PodPhase:
    """A Kubernetes pod's phase (kube-state-metrics' ``kube_pod_status_phase``)."""

    pod: str
    namespace: str | None
    #: Pending, Running, Succeeded, Failed or Unknown.
    phase: str


@dataclass(frozen=True)
class NodeReading:
    """What one source knows of one node at one time."""

    name: str
    source: NodeSource
    #: Whether the node answered (SSH) or its targets are ``up`` (Prometheus).
    up: bool
    #: Why it is not up, or what went wrong while reading it (one printable line).
    error: str | None = None
    time: float = 0.0
    #: GPUs (None: the source could not tell; empty: it told there are none).
    gpus: tuple[NodeGpu, ...] | None = None
    #: Why the GPU list is empty or missing, e.g. "no NVIDIA GPU".
    gpu_note: str | None = None
    cpu_percent: float | None = None
    memory_used_bytes: int | None = None
    memory_total_bytes: int | None = None
    load1: float | None = None
    #: The node's processes (None when the source does not list processes).
    processes: tuple[NodeProcess, ...] | None = None
    #: Pods seen on this node with their phases (Kubernetes through Prometheus).
    pods: tuple[PodPhase, ...] = ()

    def names_host(self, host: str) -> bool:
        """Whether an event file's host part names this node (or one of its pods)."""
        if same_host(host, self.name):
            return True
        return any(same_host(host, pod.pod) for pod in self.pods) or any(
            gpu.pod is not None and same_host(host, gpu.pod) for gpu in self.gpus or ()
        )


def node_for_host(
    nodes: tuple[NodeReading, ...] | list[NodeReading], host: str
) -> NodeReading | None:
    """The node whose name (or pod) the host part names; an exact name beats a short one."""
    lowered = host.lower()
    for node in nodes:
        if node.name.lower() == lowered:
            return node
    for node in nodes:
        if node.names_host(host):
            return node
    return None
