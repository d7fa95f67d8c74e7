"""This machine as a node: the figures the system sampler already reads (psutil and
NVML), in the same :class:`~tfwatch.model.nodes.NodeReading` as the other sources.

The app hands :class:`LocalNodePoller` the sampler's latest snapshot (no second read of
``/proc`` or NVML); a one-shot command without a sampler gets one sample of its own.
The local node lists no processes here: this machine's runs are linked by the sampler
(:mod:`tfwatch.system.linkage`), not by the node linkage.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeGpu, NodeGpuProcess, NodeReading, NodeSource
from tfwatch.system.gpu_readings import GpuSample
from tfwatch.system.host import HostReading
from tfwatch.system.snapshot import SystemSnapshot

_MIB = 1024 * 1024
#: Seconds a one-shot reading measures CPU over.
_CPU_WINDOW_S = 0.25


def _mib(value: int | None) -> float | None:
    return None if value is None else value / _MIB


def local_reading(
    host: HostReading | None, gpu: GpuSample | None, name: str | None = None
) -> NodeReading:
    """This machine's reading from one host sample and one NVML sample."""
    name = name or local_hostname()
    gpus: tuple[NodeGpu, ...] | None = None
    note = None
    if gpu is not None:
        if gpu.available:
            gpus = tuple(
                NodeGpu(
                    index=d.index,
                    uuid=d.uuid,
                    model=d.name,
                    util=d.util_percent,
                    memory_used_mib=_mib(d.memory_used),
                    memory_total_mib=_mib(d.memory_total),
                    temperature_c=d.temperature_c,
                    power_w=d.power_w,
                    processes=tuple(
                        NodeGpuProcess(p.pid, _mib(p.used_memory))
                        for p in gpu.processes
                        if p.gpu_index == d.index
                    ),
                )
                for d in gpu.devices
            )
        else:
            gpus, note = (), gpu.message or "no NVIDIA GPU"
    if host is None:
        return NodeReading(
            name, NodeSource.LOCAL, up=True, time=time.time(), gpus=gpus, gpu_note=note
        )
    return NodeReading(
        name=name,
        source=NodeSource.LOCAL,
        up=True,
        time=host.time,
        gpus=gpus,
        gpu_note=note,
        cpu_percent=host.cpu_percent,
        memory_used_bytes=host.memory_used,
        memory_total_bytes=host.memory_total,
        load1=host.load_avg[0] if host.load_avg else None,
    )


def snapshot_reading(snapshot: SystemSnapshot, name: str | None = None) -> NodeReading:
    """This machine's reading from the sampler's snapshot."""
    return local_reading(snapshot.host, snapshot.gpu, name)


class LocalNodePoller:
    """A :class:`~tfwatch.system.nodes.poller.NodePoller` of this machine: from the
    sampler's snapshot when given one, else from a sample of its own (psutil, NVML)."""

    label = "local"

    def __init__(self, snapshot: Callable[[], SystemSnapshot] | None = None) -> None:
        self._snapshot = snapshot

    def poll(self, deadline: float) -> list[NodeReading]:
        """One reading of this machine (the sampler's last one: never waits on it)."""
        if self._snapshot is not None:
            snap = self._snapshot()
            if snap.host is not None:
                return [snapshot_reading(snap)]
        return [self._own_sample(deadline)]

    @staticmethod
    def _own_sample(deadline: float) -> NodeReading:
        from tfwatch.system.host import HostSampler
        from tfwatch.system.nvml_adapter import NvmlAdapter

        host = HostSampler()  # the CPU baseline: the sample's percentages are since now
        gpu = NvmlAdapter()
        try:
            sample = gpu.sample()
        finally:
            gpu.shutdown()
        # CPU % over a moment, not over the few microseconds since the baseline.
        time.sleep(max(0.0, min(_CPU_WINDOW_S, deadline - time.monotonic() - 0.1)))
        return local_reading(host.sample(), sample)

    def close(self) -> None:
        """Nothing to let go of."""
