"""The system panel (GPUs, their processes and the runs they write; the writers of runs
on no GPU — every one on a CPU-only machine — with their CPU and memory; CPU, memory,
swap, log-volume I/O) and its one-line strip, both drawn from a :class:`SystemSnapshot`.

The widgets never sample anything themselves on the UI thread: they read the latest
snapshot of a :class:`SystemSampler` once a second (their own, started on mount, unless
the app hands them a shared one) or are given snapshots directly (``poll=False``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tfwatch.live.facade import GpuRow, SystemSampler, SystemSnapshot
from tfwatch.text.safe_text import printable
from tfwatch.text.sparkline import BLOCKS, sparkline

NA = "N/A"
#: Run writers listed at most (the host lines below them must stay in view).
MAX_RUN_PROCESSES = 8
#: Sparkline width by panel width: history is the first thing to give way.
SPARK_WIDE, SPARK_NARROW = 16, 8
_GIB = float(1 << 30)


def _pct(value: float | None) -> str:
    return NA if value is None or math.isnan(value) else f"{value:3.0f}%"


def _gib(value: int | None) -> str:
    return NA if value is None else f"{value / _GIB:.1f}"


def _rate(bps: float | None) -> str:
    if bps is None or math.isnan(bps):
        return NA
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if bps >= scale:
            return f"{bps / scale:.1f} {unit}"
    return f"{bps:.0f} B/s"


def _level_style(value: float | None, warn: float = 70.0, high: float = 90.0) -> str:
    if value is None or math.isnan(value):
        return "dim"
    return "bold red" if value >= high else "yellow" if value >= warn else "green"


def _spark(history: Sequence[float], width: int) -> str:
    """Recent history on a fixed 0–100 % scale (a sparkline of its own range would make
    1 % of noise look like a full swing); nothing when ``width`` is 0."""
    if width <= 0:
        return ""
    points = [*list(history)[-width:], 0.0, 100.0]  # pin the scale, then drop the pins
    return sparkline(points, width + 2)[:-2] if history else " " * width


def _cores(per_core: Sequence[float]) -> str:
    """One block per core, its height the core's load."""
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[min(top, int(c / 100.0 * top + 0.5))] for c in per_core)


def spark_width(panel_width: int) -> int:
    """How wide the history sparklines are at this panel width (0: none)."""
    return SPARK_WIDE if panel_width >= 140 else SPARK_NARROW if panel_width >= 110 else 0


def _with_spark(text: Text, history: Sequence[float], width: int, style: str) -> None:
    text.append(f" {_spark(history, width)}  " if width else "  ", style=style)


def gpu_lines(row: GpuRow, width: int = 160) -> Text:
    """The line of one GPU: name, utilisation, memory, temperature, power."""
    spark = spark_width(width)
    name_width = 28 if width >= 120 else 16
    d = row.device
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"GPU{d.index} ", style="bold")
    if d.error:
        name = f"{printable(d.name)} " if d.name else ""
        text.append(f"{name}{d.error}", style="bold red")
        return text
    name = printable(d.name or NA)
    name = name if len(name) <= name_width else name[: name_width - 1] + "…"
    text.append(f"{name:<{name_width}} ", style="cyan")
    text.append("util ")
    text.append(_pct(d.util_percent), style=_level_style(d.util_percent, 101, 101))
    _with_spark(text, row.util_history, spark, "green")
    text.append(f"mem {_gib(d.memory_used)}/{_gib(d.memory_total)} GiB ")
    text.append(_pct(d.memory_percent), style=_level_style(d.memory_percent))
    _with_spark(text, row.memory_history, spark, "magenta")
    temp = NA if d.temperature_c is None else f"{d.temperature_c:.0f}°C"
    text.append(temp, style=_level_style(d.temperature_c, 80, 88))
    power = NA if d.power_w is None else f"{d.power_w:.0f}"
    limit = NA if d.power_limit_w is None else f"{d.power_limit_w:.0f}"
    text.append(f"  {power}/{limit} W")
    return text


def process_table(snapshot: SystemSnapshot, selected_run: str | None) -> Table | None:
    """The GPU processes: PID, user, GPU memory, SM %, the run each writes, command."""
    if not snapshot.gpu_processes:
        return None
    table = Table(box=None, pad_edge=False, padding=(0, 1), expand=True, show_edge=False)
    for label, justify in (("GPU", "right"), ("PID", "right"), ("USER", "left")):
        table.add_column(label, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_column("GPU MEM", justify="right", no_wrap=True)
    table.add_column("SM", justify="right", no_wrap=True)
    table.add_column("RUN", no_wrap=True, max_width=32, overflow="ellipsis")
    table.add_column("COMMAND", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in snapshot.gpu_processes:
        p = row.process
        mem = NA if p.used_memory is None else f"{p.used_memory / _GIB:.1f} GiB"
        style = "reverse" if selected_run is not None and row.run == selected_run else ""
        table.add_row(
            str(p.gpu_index),
            str(p.pid),
            Text(printable(row.user or NA)),
            mem,
            _pct(p.sm_util),
            Text(printable(row.run) if row.run else "-", style="cyan" if row.run else "dim"),
            Text(printable(row.command) if row.command else NA, style="dim"),
            style=style,
        )
    return table


def _mem(rss: int | None) -> str:
    if rss is None:
        return NA
    return f"{rss / _GIB:.1f} GiB" if rss >= 1 << 30 else f"{rss / (1 << 20):.0f} MiB"


def run_process_table(snapshot: SystemSnapshot, selected_run: str | None) -> list[RenderableType]:
    """The live writers of runs on no GPU: PID, user, CPU %, memory, run, command."""
    rows = snapshot.run_processes
    if not rows:
        return []
    table = Table(box=None, pad_edge=False, padding=(0, 1), expand=True, show_edge=False)
    table.add_column("PID", justify="right", no_wrap=True)
    table.add_column("USER", no_wrap=True)
    table.add_column("CPU", justify="right", no_wrap=True)
    table.add_column("MEM", justify="right", no_wrap=True)
    table.add_column("RUN", no_wrap=True, max_width=32, overflow="ellipsis")
    table.add_column("COMMAND", no_wrap=True, overflow="ellipsis", ratio=1)
    # The selected run's writer stays listed however many there are.
    shown = sorted(rows, key=lambda r: r.run != selected_run)[:MAX_RUN_PROCESSES]
    for row in sorted(shown, key=lambda r: r.run):
        cpu = row.cpu_percent
        table.add_row(
            str(row.pid),
            Text(printable(row.user or NA)),
            Text("…" if cpu is None else f"{cpu:.0f}%", style=_level_style(cpu, 101, 101)),
            _mem(row.memory_rss),
            Text(printable(row.run), style="cyan"),
            Text(printable(row.command) if row.command else NA, style="dim"),
            style="reverse" if row.run == selected_run else "",
        )
    parts: list[RenderableType] = [table]
    if len(rows) > len(shown):
        parts.append(Text(f"… and {len(rows) - len(shown)} more writing runs", style="dim"))
    return parts


def host_lines(snapshot: SystemSnapshot, width: int = 160) -> list[Text]:
    """CPU (total, per core, load), memory and swap, and each log volume's I/O."""
    spark = spark_width(width)
    host = snapshot.host
    if host is None:
        return [Text("host: sampling…", style="dim")]
    cpu = Text(no_wrap=True, overflow="ellipsis")
    cpu.append("CPU  ", style="bold")
    cpu.append(_pct(host.cpu_percent), style=_level_style(host.cpu_percent))
    _with_spark(cpu, snapshot.cpu_history, spark, "green")
    if host.load_avg is not None:
        cpu.append("load {:.2f} {:.2f} {:.2f}  ".format(*host.load_avg))
    cpu.append(f"{len(host.per_core)} cores ", style="dim")
    cpu.append(_cores(host.per_core), style="green")
    mem = Text(no_wrap=True, overflow="ellipsis")
    mem.append("MEM  ", style="bold")
    mem.append(f"{_gib(host.memory_used)}/{_gib(host.memory_total)} GiB ")
    mem.append(_pct(host.memory_percent), style=_level_style(host.memory_percent))
    _with_spark(mem, snapshot.memory_history, spark, "magenta")
    mem.append("swap ")
    if host.swap_total:
        mem.append(f"{_gib(host.swap_used)}/{_gib(host.swap_total)} GiB ")
        mem.append(_pct(host.swap_percent), style=_level_style(host.swap_percent, 20, 60))
    else:
        mem.append("none", style="dim")
    lines = [cpu, mem]
    for disk in host.disks:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("DISK ", style="bold")
        name = disk.volume.io_key or "no block device"
        line.append(f"{printable(name)} ({printable(disk.volume.path)})  ", style="cyan")
        line.append(f"read {_rate(disk.read_bps)}  write {_rate(disk.write_bps)}")
        if disk.busy_percent is not None:
            line.append(f"  busy {_pct(disk.busy_percent)}")
        lines.append(line)
    return lines


def remote_line(snapshot: SystemSnapshot) -> Text | None:
    """Which runs were written on other hosts (no process linkage for them)."""
    remote = [link for link in snapshot.links.values() if link.remote]
    if not remote:
        return None
    hosts = sorted({h for link in remote for h in link.hosts})
    shown = ", ".join(printable(h) for h in hosts[:4]) + (" …" if len(hosts) > 4 else "")
    return Text(
        f"{len(remote)} run(s) written on other hosts ({shown}): no process linkage, "
        "state from write recency only",
        style="dim italic",
    )


def panel_renderable(
    snapshot: SystemSnapshot, selected_run: str | None = None, width: int = 160
) -> RenderableType:
    """Everything the full panel shows, laid out for ``width`` columns."""
    parts: list[RenderableType] = []
    message = snapshot.gpu_message
    if message:
        parts.append(Text(message, style="dim"))
    parts.extend(gpu_lines(row, width) for row in snapshot.gpus)
    table = process_table(snapshot, selected_run)
    if table is not None:
        parts.append(table)
    elif snapshot.gpus:
        parts.append(Text("no processes on the GPUs", style="dim"))
    parts.extend(run_process_table(snapshot, selected_run))
    parts.extend(host_lines(snapshot, width))
    remote = remote_line(snapshot)
    if remote is not None:
        parts.append(remote)
    if snapshot.error:
        parts.append(Text(f"sampling error: {snapshot.error}", style="red"))
    return Group(*parts)


def strip_text(snapshot: SystemSnapshot) -> Text:
    """The compact one-line summary shown while the panel is hidden."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if snapshot.gpu_message:
        text.append(snapshot.gpu_message, style="dim")
        text.append(" │ ", style="dim")
    for row in snapshot.gpus:
        d = row.device
        text.append(f"GPU{d.index} ", style="bold")
        if d.error:
            text.append(d.error, style="bold red")
        else:
            text.append(_pct(d.util_percent).strip())
            text.append(f" {_gib(d.memory_used)}/{_gib(d.memory_total)}G", style="magenta")
            if d.temperature_c is not None:
                text.append(
                    f" {d.temperature_c:.0f}°C", style=_level_style(d.temperature_c, 80, 88)
                )
        text.append(" │ ", style="dim")
    host = snapshot.host
    if host is None:
        text.append("sampling…", style="dim")
        return text
    text.append("CPU ", style="bold")
    text.append(_pct(host.cpu_percent).strip(), style=_level_style(host.cpu_percent))
    text.append(f" {_spark(snapshot.cpu_history, SPARK_NARROW)}", style="green")
    text.append(" │ ", style="dim")
    text.append("MEM ", style="bold")
    text.append(_pct(host.memory_percent).strip(), style=_level_style(host.memory_percent))
    if host.load_avg is not None:
        text.append(" │ ", style="dim")
        text.append(f"load {host.load_avg[0]:.2f}")
    for disk in host.disks:
        text.append(" │ ", style="dim")
        text.append(f"{printable(disk.volume.io_key or '?')} ")
        text.append(f"r {_rate(disk.read_bps)} w {_rate(disk.write_bps)}")
    return text


class SystemView(Widget):
    """Shared behaviour: hold the latest snapshot, poll a sampler once a second."""

    #: The snapshot on screen (set by polling, or directly when ``poll`` is False).
    snapshot: reactive[SystemSnapshot] = reactive(SystemSnapshot, layout=True)

    def __init__(
        self,
        sampler: SystemSampler | None = None,
        *,
        poll: bool = True,
        interval: float = 1.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._owns_sampler = sampler is None and poll
        self.sampler = sampler if sampler is not None or not poll else SystemSampler()
        self._poll = poll
        self._interval = interval

    def on_mount(self) -> None:
        if self._owns_sampler and self.sampler is not None:
            self.sampler.start()
        if self._poll:
            self.set_interval(self._interval, self._pull)

    def on_unmount(self) -> None:
        if self._owns_sampler and self.sampler is not None:
            self.sampler.stop(timeout=0.5)

    def _pull(self) -> None:
        if self.sampler is not None and self.sampler.snapshot is not self.snapshot:
            self.snapshot = self.sampler.snapshot


class SystemPanel(SystemView):
    """The full panel; ``selected_run`` highlights the processes of the selected run."""

    DEFAULT_CSS = """
    SystemPanel {
        height: auto;
        max-height: 50vh;
        padding: 0 1;
        border-top: solid $primary-darken-2;
        background: $surface;
    }
    """

    #: Name of the run selected in the table (its GPU processes show highlighted).
    selected_run: reactive[str | None] = reactive(None)

    def render(self) -> RenderableType:
        return panel_renderable(self.snapshot, self.selected_run, self.content_size.width)


class SystemStrip(SystemView):
    """The one-line strip shown while the full panel is hidden."""

    DEFAULT_CSS = """
    SystemStrip {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def render(self) -> RenderableType:
        return strip_text(self.snapshot)
