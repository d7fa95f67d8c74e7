"""The metric and label names the Prometheus reader queries, and the config that changes them.

The defaults are those of NVIDIA's DCGM exporter, node_exporter and kube-state-metrics.
Other GPU exporters, or relabelling (a scrape config that turns DCGM's ``pod`` into
``exported_pod``), need other names: the ``[prometheus]`` table of the config file::

    [prometheus]
    rate_window = "2m"            # where the CPU rate finds its two samples (> 2 scrapes)

    [prometheus.metrics]
    gpu_util = "DCGM_FI_DEV_GPU_UTIL"
    pod_phase = ""                # "" leaves a family out (no kube-state-metrics)

    [prometheus.labels]
    pod = "exported_pod"

An unknown key or a name Prometheus would not accept is a :class:`NodeConfigError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tfwatch.system.nodes.errors import NodeConfigError

_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*\Z")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DURATION = re.compile(r"(\d+(ms|s|m|h|d))+\Z")


@dataclass(frozen=True)
class MetricNames:
    """One metric family each ("" leaves it out)."""

    up: str = "up"
    gpu_util: str = "DCGM_FI_DEV_GPU_UTIL"
    gpu_memory_used: str = "DCGM_FI_DEV_FB_USED"
    gpu_memory_free: str = "DCGM_FI_DEV_FB_FREE"
    gpu_temperature: str = "DCGM_FI_DEV_GPU_TEMP"
    gpu_power: str = "DCGM_FI_DEV_POWER_USAGE"
    cpu_seconds: str = "node_cpu_seconds_total"
    memory_available: str = "node_memory_MemAvailable_bytes"
    memory_total: str = "node_memory_MemTotal_bytes"
    load1: str = "node_load1"
    uname: str = "node_uname_info"
    pod_phase: str = "kube_pod_status_phase"
    pod_info: str = "kube_pod_info"


@dataclass(frozen=True)
class LabelNames:
    """The labels that say which node, GPU and pod a series belongs to."""

    instance: str = "instance"
    job: str = "job"
    #: DCGM exporter: the node's host name, the GPU's index, UUID and model.
    hostname: str = "Hostname"
    gpu: str = "gpu"
    uuid: str = "UUID"
    model: str = "modelName"
    #: DCGM exporter with its Kubernetes mapping, and kube-state-metrics.
    pod: str = "pod"
    namespace: str = "namespace"
    container: str = "container"
    phase: str = "phase"
    #: kube_pod_info's node of a pod.
    pod_node: str = "node"
    #: node_exporter: the node name in node_uname_info, the CPU mode.
    nodename: str = "nodename"
    cpu_mode: str = "mode"


@dataclass(frozen=True)
class PrometheusNames:
    """Everything the reader's queries name."""

    metrics: MetricNames = field(default_factory=MetricNames)
    labels: LabelNames = field(default_factory=LabelNames)
    #: Range in which the CPU rate looks for the last two samples: over two scrape intervals.
    rate_window: str = "1m"


def prometheus_names(doc: Mapping[str, Any], source: str | None = None) -> PrometheusNames:
    """The names from a parsed config document's ``[prometheus]`` table (defaults when
    it has none)."""
    table = doc.get("prometheus", {})
    if not isinstance(table, Mapping):
        raise _error(source, "prometheus", "expected a table")
    names = PrometheusNames()
    for key, raw in table.items():
        where = f"prometheus.{key}"
        if key == "rate_window":
            if not isinstance(raw, str) or not _DURATION.match(raw):
                raise _error(source, where, f"expected a duration such as '1m', got {raw!r}")
            names = replace(names, rate_window=raw)
        elif key == "metrics":
            names = replace(names, metrics=_names(names.metrics, raw, where, source, _NAME, True))
        elif key == "labels":
            names = replace(names, labels=_names(names.labels, raw, where, source, _LABEL, False))
        else:
            raise _error(source, where, "unknown key (known: rate_window, metrics, labels)")
    return names


def _names(
    default: Any, raw: object, where: str, source: str | None, pattern: re.Pattern[str], blank: bool
) -> Any:
    if not isinstance(raw, Mapping):
        raise _error(source, where, "expected a table")
    known = [f.name for f in fields(default)]
    changes: dict[str, str] = {}
    for key, value in raw.items():
        name = f"{where}.{key}"
        if key not in known:
            raise _error(source, name, f"unknown key (known: {', '.join(known)})")
        if not isinstance(value, str) or not (pattern.match(value) or (blank and value == "")):
            what = "a metric name (or '' to leave it out)" if blank else "a label name"
            raise _error(source, name, f"expected {what}, got {value!r}")
        changes[key] = value
    return replace(default, **changes)


def _error(source: str | None, key: str, message: str) -> NodeConfigError:
    where = f"{source}: " if source else ""
    return NodeConfigError(f"{where}{key}: {message}")
