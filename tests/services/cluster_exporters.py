"""Exporters of a made-up GPU cluster, written with ``prometheus_client``: the exact
metric and label names of NVIDIA's DCGM exporter, node_exporter's node facts and
kube-state-metrics' pod phases. Served by :class:`tests.services.prometheus.MetricsServer`
(one path per exporter); the values are plain attributes a test may change between
scrapes.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

#: DCGM exporter's label names, in its order (``dcgm-exporter`` 3.x with the
#: Kubernetes pod mapping on).
DCGM_LABELS = (
    "gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname",
    "DCGM_FI_DRIVER_VERSION", "container", "namespace", "pod",
)  # fmt: skip
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


@dataclass(eq=False)
class FakeGpu:
    """One GPU as the DCGM exporter reports it."""

    index: int
    util: float = 0.0
    memory_used_mib: float = 0.0
    memory_total_mib: float = 81_559.0
    temperature_c: float = 35.0
    power_w: float = 60.0
    model: str = "NVIDIA A100-SXM4-80GB"
    pod: str = ""
    namespace: str = ""
    container: str = ""
    uuid: str = ""

    @property
    def memory_free_mib(self) -> float:
        return self.memory_total_mib - self.memory_used_mib

    def labels(self, hostname: str) -> list[str]:
        uuid = self.uuid or f"GPU-{zlib.crc32(hostname.encode()):08x}-0000-0000-{self.index:012d}"
        return [
            str(self.index), uuid, f"00000000:{self.index + 7:02X}:00.0", f"nvidia{self.index}",
            self.model, hostname, "535.104.05", self.container, self.namespace, self.pod,
        ]  # fmt: skip


@dataclass(eq=False)
class DcgmExporter(Collector):
    """The five DCGM gauges tfwatch reads, for the GPUs of one node (plus a field it
    does not read, as the real exporter serves dozens)."""

    hostname: str
    gpus: list[FakeGpu] = field(default_factory=list)

    def collect(self) -> Iterator[Metric]:
        fields = (
            ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "util"),
            ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "memory_used_mib"),
            ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "memory_free_mib"),
            ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "temperature_c"),
            ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "power_w"),
            ("DCGM_FI_DEV_SM_CLOCK", "SM frequency (in MHz).", None),
        )
        for name, doc, attr in fields:
            family = GaugeMetricFamily(name, doc, labels=DCGM_LABELS)
            for gpu in self.gpus:
                value = 1410.0 if attr is None else float(getattr(gpu, attr))
                family.add_metric(gpu.labels(self.hostname), value)
            yield family


@dataclass(eq=False)
class NodeFacts(Collector):
    """node_exporter's facts tfwatch reads, for one node: its CPUs busy ``cpu_busy``
    of the time (the idle counters grow with the clock), memory and load."""

    nodename: str
    cpus: int = 4
    cpu_busy: float = 0.25
    memory_total_bytes: int = 512 * 2**30
    memory_available_bytes: int = 384 * 2**30
    load1: float = 3.5
    started: float = field(default_factory=time.time)

    def collect(self) -> Iterator[Metric]:
        uname = GaugeMetricFamily(
            "node_uname_info",
            "Labeled system information as provided by the uname system call.",
            labels=["domainname", "machine", "nodename", "release", "sysname", "version"],
        )
        uname.add_metric(["(none)", "x86_64", self.nodename, "6.1.0", "Linux", "#1 SMP"], 1.0)
        yield uname
        cpu = CounterMetricFamily(
            "node_cpu_seconds", "Seconds the CPUs spent in each mode.", labels=["cpu", "mode"]
        )
        elapsed = 1000.0 + time.time() - self.started
        for i in range(self.cpus):
            cpu.add_metric([str(i), "idle"], elapsed * (1.0 - self.cpu_busy))
            cpu.add_metric([str(i), "user"], elapsed * self.cpu_busy)
        yield cpu
        for name, value in (
            ("node_memory_MemTotal_bytes", self.memory_total_bytes),
            ("node_memory_MemAvailable_bytes", self.memory_available_bytes),
            ("node_load1", self.load1),
        ):
            yield GaugeMetricFamily(name, "Node fact.", value=float(value))


@dataclass(eq=False)
class PodPhases(Collector):
    """kube-state-metrics' ``kube_pod_status_phase`` (1 for the current phase, 0 for the
    others) and ``kube_pod_info`` (the pod's node): ``pods`` maps (namespace, pod) to
    (phase, node)."""

    pods: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def collect(self) -> Iterator[Metric]:
        phase = GaugeMetricFamily(
            "kube_pod_status_phase",
            "The pods current phase.",
            labels=["namespace", "pod", "uid", "phase"],
        )
        info = GaugeMetricFamily(
            "kube_pod_info",
            "Information about pod.",
            labels=["namespace", "pod", "uid", "host_ip", "pod_ip", "node", "created_by_kind"],
        )
        for (namespace, pod), (current, node) in sorted(self.pods.items()):
            uid = f"uid-{pod}"
            for p in PHASES:
                phase.add_metric([namespace, pod, uid, p], 1.0 if p == current else 0.0)
            info.add_metric([namespace, pod, uid, "10.0.0.1", "10.1.0.1", node, "Job"], 1.0)
        yield phase
        yield info
