"""How nodes read on screen: one line per node for the system panel's node list, and
one node opened (its GPUs and processes), drawn from :class:`NodeReading` values.

Everything a node reports (names, pods, command lines) is hostile text: it goes through
:func:`printable` and into ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tfwatch.model.nodes import NodeGpu, NodeReading
from tfwatch.text.safe_text import printable
from tfwatch.text.sparkline import BLOCKS

_GIB = float(1 << 30)
#: GPUs drawn per node line (the rest are counted).
MAX_GPU_BARS = 16
#: Runs named per node line (the rest are counted).
MAX_RUNS = 3


def bar(percent: float | None) -> str:
    """One block character for a percentage ("?" when unknown)."""
    if percent is None:
        return "?"
    level = min(len(BLOCKS) - 1, max(0, round(percent / 100.0 * (len(BLOCKS) - 1))))
    return BLOCKS[level]


def gpu_memory_percent(gpu: NodeGpu) -> float | None:
    """Memory used as a percentage of the total, when both are known."""
    if gpu.memory_used_mib is None or not gpu.memory_total_mib:
        return None
    return 100.0 * gpu.memory_used_mib / gpu.memory_total_mib


def _pct(value: float | None) -> str:
    return "  ?" if value is None else f"{value:3.0f}"


def node_line(node: NodeReading, runs: Sequence[str] = ()) -> Text:
    """``● gpu-a  ssh  GPU ▇▇ ▅▅  CPU 12%  MEM 40/256G  runs: a, b`` (down: the error)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("● " if node.up else "✖ ", style="green" if node.up else "bold red")
    text.append(f"{printable(node.name)}  ", style="bold")
    text.append(f"{node.source}  ", style="dim")
    if not node.up:
        text.append(f"down: {printable(node.error or 'no answer')}  ", style="red")
    gpus = node.gpus
    if gpus is None or not gpus:
        note = node.gpu_note or ("GPUs unknown" if gpus is None else "no GPU")
        text.append(f"{printable(note)}  ", style="dim")
    else:
        text.append("GPU ", style="bold")
        for gpu in gpus[:MAX_GPU_BARS]:
            text.append(bar(gpu.util), style="green")
            text.append(bar(gpu_memory_percent(gpu)), style="magenta")
            text.append(" ")
        if len(gpus) > MAX_GPU_BARS:
            text.append(f"+{len(gpus) - MAX_GPU_BARS} ", style="dim")
        text.append(" ")
    text.append("CPU ", style="bold")
    text.append(f"{_pct(node.cpu_percent).strip()}%  ")
    if node.memory_total_bytes:
        used = (node.memory_used_bytes or 0) / _GIB
        text.append("MEM ", style="bold")
        text.append(f"{used:.0f}/{node.memory_total_bytes / _GIB:.0f}G  ")
    if runs:
        shown = ", ".join(printable(r) for r in runs[:MAX_RUNS])
        more = f" +{len(runs) - MAX_RUNS}" if len(runs) > MAX_RUNS else ""
        text.append("runs: ", style="bold")
        text.append(shown + more, style="cyan")
    return text


def node_detail(node: NodeReading, runs: Sequence[str], pids: Mapping[int, str]) -> RenderableType:
    """One node opened: its state, each GPU (util, memory, temperature, power, pod, its
    processes) and the processes it lists (``pids``: run written by each known PID)."""
    parts: list[RenderableType] = [node_line(node, runs)]
    for gpu in node.gpus or ():
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"GPU{gpu.index} ", style="bold")
        line.append(f"{printable(gpu.model or '?')}  ", style="cyan")
        line.append(f"util {_pct(gpu.util)}%  ")
        if gpu.memory_total_mib:
            line.append(f"mem {(gpu.memory_used_mib or 0) / 1024:.1f}/")
            line.append(f"{gpu.memory_total_mib / 1024:.1f} GiB  ")
        if gpu.temperature_c is not None:
            line.append(f"{gpu.temperature_c:.0f}°C  ")
        if gpu.power_w is not None:
            line.append(f"{gpu.power_w:.0f} W  ")
        if gpu.pod:
            pod = f"{gpu.namespace}/{gpu.pod}" if gpu.namespace else gpu.pod
            line.append(f"pod {printable(pod)}  ", style="yellow")
        if gpu.processes:
            line.append("pids " + " ".join(str(p.pid) for p in gpu.processes), style="dim")
        parts.append(line)
    if node.processes is None:
        parts.append(Text("this source does not list processes", style="dim"))
        return Group(*parts)
    table = Table(box=None, pad_edge=False, show_edge=False, expand=True)
    for header in ("pid", "user", "run", "command"):
        table.add_column(
            header, no_wrap=True, overflow="ellipsis", ratio=4 if header == "command" else None
        )
    shown = [p for p in node.processes if p.pid in pids or p.writes]
    for p in shown or node.processes[:20]:
        table.add_row(
            Text(str(p.pid), style="cyan"),
            Text(printable(p.user or "?")),
            Text(printable(pids.get(p.pid, "-")), style="bold"),
            Text(printable(p.command or "?"), style="dim"),
        )
    parts.append(table)
    return Group(*parts)
