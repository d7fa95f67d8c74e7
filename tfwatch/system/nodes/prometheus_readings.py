"""From the answers of the Prometheus reader's queries to one :class:`NodeReading` per node.

Pure functions, so the joins can be read and tested apart from the HTTP client:

- **GPUs** (DCGM exporter) belong to the node their ``Hostname`` label names (the
  target's host when the label is missing); one GPU per node and ``gpu`` index (its
  ``UUID`` where there is no index);
  memory total is used + free (the exporter reports no total); ``pod``, ``namespace``
  and ``container`` tell the Kubernetes pod a GPU is given to.
- **CPU, memory, load** (node_exporter) are per scrape target (``instance``); the target
  is joined to its node by ``node_uname_info{nodename}``.
- **up**: a target with ``up`` = 0 makes every node it reported down (remembered across
  polls, since a target that is down reports nothing), with the target in the error; a
  down target never seen up is listed under its host name.
- **Pods** (kube-state-metrics): a node lists the pods given its GPUs or placed on it by
  ``kube_pod_info``, with the phase ``kube_pod_status_phase`` marks current.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tfwatch.model.nodes import NodeGpu, NodeReading, NodeSource, PodPhase
from tfwatch.system.nodes.prometheus_http import Sample
from tfwatch.system.nodes.prometheus_names import LabelNames, PrometheusNames
from tfwatch.text.safe_text import printable

#: Query families whose series are one GPU each, and the NodeGpu field each fills.
GPU_FAMILIES = {
    "gpu_util": "util",
    "gpu_memory_used": "memory_used_mib",
    "gpu_memory_free": "memory_free_mib",
    "gpu_temperature": "temperature_c",
    "gpu_power": "power_w",
}
#: Families of per-target node facts (node_exporter).
HOST_FAMILIES = ("cpu", "memory_available", "memory_total", "load1")
NO_GPU_METRICS = "no GPU metrics (DCGM exporter) for this node"


def family_queries(names: PrometheusNames) -> dict[str, str]:
    """One PromQL query per metric family: each keeps only the labels the joins use, so
    an answer stays small whatever else the exporters attach."""
    m, lab = names.metrics, names.labels
    # The first GPU family carries each GPU's identity (UUID, model, pod); the others
    # only what finds the GPU again (node and index): 40 % fewer bytes on 512 GPUs.
    where = (lab.instance, lab.hostname, lab.gpu)
    identity = ", ".join((*where, lab.uuid, lab.model, lab.pod, lab.namespace, lab.container))
    queries: dict[str, str] = {}
    if m.up:
        queries["up"] = f"max by ({lab.instance}, {lab.job}) ({m.up})"
    for family in GPU_FAMILIES:
        metric = getattr(m, family)
        if metric:
            by = ", ".join(where) if any(f in queries for f in GPU_FAMILIES) else identity
            queries[family] = f"max by ({by}) ({metric})"
    if m.cpu_seconds:
        idle = f'{m.cpu_seconds}{{{lab.cpu_mode}="idle"}}[{names.rate_window}]'
        # irate: the last two scrapes. rate() divides by the whole window, so it reads
        # far too low until the window is full of samples (a node just added).
        queries["cpu"] = f"100 * (1 - avg by ({lab.instance}) (irate({idle})))"
    for family in ("memory_available", "memory_total", "load1"):
        metric = getattr(m, family)
        if metric:
            queries[family] = f"max by ({lab.instance}) ({metric})"
    if m.uname:
        queries["uname"] = f"max by ({lab.instance}, {lab.nodename}) ({m.uname})"
    if m.pod_phase:
        pod_by = f"{lab.namespace}, {lab.pod}, {lab.phase}"
        queries["pod_phase"] = f"max by ({pod_by}) ({m.pod_phase}) > 0"
    if m.pod_info:
        queries["pod_info"] = f"max by ({lab.namespace}, {lab.pod}, {lab.pod_node}) ({m.pod_info})"
    return queries


@dataclass
class _Gpu:
    index: int
    uuid: str | None
    model: str | None
    pod: str | None
    namespace: str | None
    container: str | None
    values: dict[str, float | None] = field(default_factory=dict)

    def reading(self) -> NodeGpu:
        used, free = self.values.get("memory_used_mib"), self.values.get("memory_free_mib")
        return NodeGpu(
            index=self.index,
            uuid=self.uuid,
            model=self.model,
            util=self.values.get("util"),
            memory_used_mib=used,
            memory_total_mib=None if used is None or free is None else used + free,
            temperature_c=self.values.get("temperature_c"),
            power_w=self.values.get("power_w"),
            pod=self.pod,
            namespace=self.namespace,
            container=self.container,
        )


@dataclass
class _Node:
    name: str
    gpus: dict[str, _Gpu] = field(default_factory=dict)
    host: dict[str, float | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: (namespace, pod) → phase ("Unknown" where kube-state-metrics says nothing).
    pods: dict[tuple[str | None, str], str] = field(default_factory=dict)


def node_readings(
    answers: Mapping[str, Sequence[Sample]],
    names: PrometheusNames,
    remembered: Mapping[str, frozenset[str]] | None = None,
    now: float | None = None,
) -> tuple[list[NodeReading], dict[str, frozenset[str]]]:
    """Readings (sorted by name) from the answers of :func:`family_queries`, and which
    nodes each scrape target reported in this poll (to remember for the next one)."""
    lab = names.labels
    nodes: dict[str, _Node] = {}
    reported: dict[str, set[str]] = {}

    def node(name: str, instance: str | None) -> _Node:
        found = nodes.get(name.lower())
        if found is None:
            found = nodes[name.lower()] = _Node(name)
        if instance:
            reported.setdefault(instance, set()).add(found.name)
        return found

    for family, field_name in GPU_FAMILIES.items():
        for s in answers.get(family, ()):
            instance = s.labels.get(lab.instance)
            name = s.labels.get(lab.hostname) or _host_of(instance)
            if not name:
                continue
            _gpu(node(name, instance), s, lab).values[field_name] = s.value

    node_of_instance: dict[str, _Node] = {}
    for s in answers.get("uname", ()):
        instance, nodename = s.labels.get(lab.instance), s.labels.get(lab.nodename)
        if instance and nodename:
            node_of_instance[instance] = node(nodename, instance)
    for family in HOST_FAMILIES:
        for s in answers.get(family, ()):
            target = node_of_instance.get(s.labels.get(lab.instance, ""))
            if target is not None and s.value is not None:
                target.host[family] = s.value

    known = {k: set(v) for k, v in (remembered or {}).items()}
    for instance, names_now in reported.items():
        known[instance] = known.get(instance, set()) | names_now
    for s in answers.get("up", ()):
        instance = s.labels.get(lab.instance, "")
        if s.value != 0 or not instance:
            continue
        job = s.labels.get(lab.job)
        what = f"{instance} (job {job})" if job else instance
        why = f"target {printable(what)} is down (up = 0)"
        for name in sorted(known.get(instance) or {_host_of(instance) or instance}):
            node(name, None).errors.append(why)

    _place_pods(nodes, answers, names)
    at = time.time() if now is None else now
    readings = [_reading(n, at) for _key, n in sorted(nodes.items())]
    return readings, {k: frozenset(v) for k, v in reported.items()}


def _gpu(node: _Node, s: Sample, lab: LabelNames) -> _Gpu:
    get = s.labels.get
    raw_index = get(lab.gpu, "")
    uuid = get(lab.uuid) or None
    index = int(raw_index) if raw_index.isdigit() else -1
    # The index finds a GPU in every family; the UUID only where no index is labelled.
    key = raw_index if index >= 0 else f"uuid:{uuid}"
    found = node.gpus.get(key)
    if found is None:
        found = node.gpus[key] = _Gpu(
            index=index,
            uuid=uuid,
            model=get(lab.model) or None,
            pod=get(lab.pod) or None,
            namespace=get(lab.namespace) or None,
            container=get(lab.container) or None,
        )
    return found


def _place_pods(
    nodes: Mapping[str, _Node], answers: Mapping[str, Sequence[Sample]], names: PrometheusNames
) -> None:
    lab = names.labels
    phases: dict[tuple[str | None, str], str] = {}
    for s in answers.get("pod_phase", ()):
        pod, phase = s.labels.get(lab.pod), s.labels.get(lab.phase)
        if pod and phase:
            phases[(s.labels.get(lab.namespace) or None, pod)] = phase
    placed: list[tuple[_Node, tuple[str | None, str]]] = []
    for n in nodes.values():
        placed += [(n, (g.namespace, g.pod)) for g in n.gpus.values() if g.pod]
    for s in answers.get("pod_info", ()):
        pod, where = s.labels.get(lab.pod), s.labels.get(lab.pod_node, "")
        target = nodes.get(where.lower())
        if pod and target is not None:
            placed.append((target, (s.labels.get(lab.namespace) or None, pod)))
    for n, key in placed:
        # A pod that kube-state-metrics does not know (or that is absent) has no phase:
        # listed only when known, so "Unknown" never stands for "not measured".
        if key in phases:
            n.pods[key] = phases[key]


def _reading(n: _Node, at: float) -> NodeReading:
    total, available = n.host.get("memory_total"), n.host.get("memory_available")
    cpu = n.host.get("cpu")
    gpus = tuple(g.reading() for _k, g in sorted(n.gpus.items(), key=_gpu_order))
    return NodeReading(
        name=n.name,
        source=NodeSource.PROMETHEUS,
        up=not n.errors,
        error="; ".join(n.errors) or None,
        time=at,
        gpus=gpus or None,
        gpu_note=None if gpus else NO_GPU_METRICS,
        cpu_percent=None if cpu is None else min(100.0, max(0.0, cpu)),
        memory_used_bytes=None if total is None or available is None else int(total - available),
        memory_total_bytes=None if total is None else int(total),
        load1=n.host.get("load1"),
        pods=tuple(
            PodPhase(pod, ns, phase) for (ns, pod), phase in sorted(n.pods.items(), key=_pod_key)
        ),
    )


def _pod_key(item: tuple[tuple[str | None, str], str]) -> tuple[str, str]:
    (namespace, pod), _phase = item
    return namespace or "", pod


def _gpu_order(item: tuple[str, _Gpu]) -> tuple[int, str]:
    _key, gpu = item
    return gpu.index, gpu.uuid or ""


def _host_of(instance: str | None) -> str | None:
    """``gpu-7:9400`` → ``gpu-7``; ``[::1]:9400`` → ``::1``."""
    if not instance:
        return None
    if instance.startswith("["):
        return instance[1:].partition("]")[0] or None
    return instance.rpartition(":")[0] if ":" in instance else instance
