"""``nvidia-smi --format=csv,noheader,nounits`` output read into :class:`NodeGpu` values.

The two queries the SSH probe runs (:mod:`.ssh_probe`)::

    --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw
    --query-compute-apps=gpu_uuid,pid,used_memory,process_name

Fields are separated by ``", "``. A value the GPU does not report reads ``[N/A]``,
``[Not Supported]`` or ``[Unknown Error]`` (older drivers: ``N/A``): it becomes ``None``,
never a guess. The GPU's name and the process's name are the only free text: the GPU
name sits between two fixed-count groups and the process name is last, so a comma
inside either cannot shift the numbers. A line that does not read as a GPU is skipped
and counted, never raised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from tfwatch.model.nodes import NodeGpu, NodeGpuProcess
from tfwatch.text.safe_text import printable

GPU_FIELDS = "index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw"
APP_FIELDS = "gpu_uuid,pid,used_memory,process_name"
#: Longest free text kept from a line (a process name is a path; anything longer is noise).
MAX_TEXT = 256


def clean_text(raw: str, limit: int = MAX_TEXT) -> str:
    """Text from the node made safe to show: control characters escaped, length capped."""
    text = raw.strip()
    if len(text) > limit:
        text = text[:limit] + "…"
    return printable(text)


def number(raw: str) -> float | None:
    """A reported number, or None for ``[N/A]``, ``[Not Supported]``, garbage, NaN."""
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _integer(raw: str) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@dataclass(frozen=True)
class GpuTable:
    """The GPUs read from ``--query-gpu`` lines, and how many lines did not read."""

    gpus: tuple[NodeGpu, ...]
    skipped: int = 0


def parse_gpu_lines(lines: list[str]) -> GpuTable:
    """``--query-gpu`` output → one :class:`NodeGpu` per well-formed line."""
    gpus: list[NodeGpu] = []
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        parts = line.split(",")
        index = _integer(parts[0]) if len(parts) >= 8 else None
        if index is None:
            skipped += 1
            continue
        tail = parts[-5:]
        gpus.append(
            NodeGpu(
                index=index,
                uuid=clean_text(parts[1]) or None,
                model=clean_text(",".join(parts[2:-5])) or None,
                util=number(tail[0]),
                memory_used_mib=number(tail[1]),
                memory_total_mib=number(tail[2]),
                temperature_c=number(tail[3]),
                power_w=number(tail[4]),
            )
        )
    return GpuTable(tuple(gpus), skipped)


def parse_app_lines(lines: list[str]) -> tuple[dict[str, list[NodeGpuProcess]], int]:
    """``--query-compute-apps`` output → processes by GPU UUID, and lines skipped."""
    by_uuid: dict[str, list[NodeGpuProcess]] = {}
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        parts = line.split(",", 3)
        pid = _integer(parts[1]) if len(parts) == 4 else None
        if pid is None:
            skipped += 1
            continue
        name = clean_text(parts[3]) or None
        process = NodeGpuProcess(pid=pid, used_memory_mib=number(parts[2]), name=name)
        by_uuid.setdefault(clean_text(parts[0]), []).append(process)
    return by_uuid, skipped


def attach_processes(
    gpus: tuple[NodeGpu, ...], by_uuid: dict[str, list[NodeGpuProcess]]
) -> tuple[NodeGpu, ...]:
    """Each GPU with the compute processes listed on it (an empty tuple when none)."""
    return tuple(replace(g, processes=tuple(by_uuid.get(g.uuid or "", ()))) for g in gpus)
