"""What one SSH node says about itself: one POSIX ``sh`` command per poll, and its parser.

The command (:func:`probe_command`) needs nothing installed on the node beyond what
every Linux box has (``sh``, ``ps``, ``ls``, ``awk``, ``date``; ``nvidia-smi`` and
``timeout`` when present). It forks about ten processes whatever the number of
processes on the node, and prints sections, each opened by a marker line:

``host``, ``time``
    the node's name (what writers put in event file names) and clock (``date +%s``);
``cpu``, ``mem``, ``load``
    the ``cpu`` line of ``/proc/stat`` (CPU % is the delta from the previous poll),
    ``MemTotal``/``MemAvailable`` of ``/proc/meminfo``, ``/proc/loadavg``;
``gpus``, ``apps`` (or ``nogpu``)
    ``nvidia-smi``'s two CSV queries (:mod:`.nvidia_smi_csv`), each under ``timeout``
    where the node has it, so a hung driver costs the GPU section, not the node, and
    followed by a ``gpus-rc``/``apps-rc`` marker carrying the exit status;
``procs``
    ``ps -eo pid=,ppid=,user=,etime=,args=`` without kernel threads and zombies (ended,
    so no writer), lines cut at 2 KiB;
``writes``
    ``PID FD FLAGS TARGET`` for each descriptor whose target names a ``tfevents`` file,
    found with ``ls -lq /proc/*/fd/`` as far as the user may look, flags from
    ``/proc/PID/fdinfo/FD`` (as :mod:`tfwatch.system.processes` reads them locally);
``end``
    the output is whole.

Command lines, process names and paths are hostile input. No field can forge a marker:
every marker starts a line and carries a nonce the command reads from
``/proc/sys/kernel/random/uuid`` before anything else runs, and ``ps`` and ``ls -q``
print control characters (newlines included) as ``?``. The parser trusts nothing else
either: a line that does not read is skipped and counted, a missing section leaves its
fields ``None``, and output cut short reads as far as it goes, with a note in
``error`` — never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tfwatch.model.nodes import NodeGpu, NodeProcess, NodeReading, NodeSource
from tfwatch.system.nodes.nvidia_smi_csv import (
    APP_FIELDS,
    GPU_FIELDS,
    attach_processes,
    clean_text,
    number,
    parse_app_lines,
    parse_gpu_lines,
)
from tfwatch.system.processes import opened_for_writing

MARK = "@@tfwatch-probe:"
#: Longest command line kept (the probe cuts lines at this many bytes too).
MAX_COMMAND = 2048
#: Output beyond this is not read (a node with a pathological process table).
MAX_OUTPUT = 16 * 1024 * 1024
#: Seconds ``nvidia-smi`` may take when the caller names no limit.
GPU_TIMEOUT_S = 5

_TEMPLATE = r"""exec 2>/dev/null
read -r N </proc/sys/kernel/random/uuid || N=$$
M="@@tfwatch-probe:$N:"
m() { printf '\n%s%s\n' "$M" "$*"; }
m begin 1
m host
if read -r h </proc/sys/kernel/hostname; then printf '%s\n' "$h"; else uname -n; fi
m time
date +%s
m cpu
read -r l </proc/stat && printf '%s\n' "$l"
m mem
while read -r k v u; do
  case $k in MemTotal:|MemAvailable:) printf '%s %s\n' "$k" "$v";; esac
done </proc/meminfo
m load
read -r l </proc/loadavg && printf '%s\n' "$l"
T=
command -v timeout >/dev/null && T="timeout @GPU_TIMEOUT@"
if command -v nvidia-smi >/dev/null; then
  m gpus
  $T nvidia-smi --query-gpu=@GPU_FIELDS@ --format=csv,noheader,nounits
  m gpus-rc $?
  m apps
  $T nvidia-smi --query-compute-apps=@APP_FIELDS@ --format=csv,noheader,nounits
  m apps-rc $?
else
  m nogpu
fi
m procs
{ ps -ww -eo pid=,ppid=,user=,etime=,args= || ps -eo pid=,ppid=,user=,etime=,args=; } |
  awk '$1 != 2 && $2 != 2 && $NF != "<defunct>" { print substr($0, 1, @MAX_COMMAND@) }'
m writes
ls -lq /proc/[0-9]*/fd/ |
  awk '/^\/proc\/[0-9]+\/fd\/?:$/ { split($0, p, "/"); pid = p[3]; next }
    /tfevents/ { i = index($0, " -> "); if (i) {
      n = split(substr($0, 1, i - 1), f, " "); print pid, f[n], substr($0, i + 4) } }' |
  while read -r p f t; do
    fl=-
    while read -r k v; do [ "$k" = flags: ] && fl=$v; done <"/proc/$p/fdinfo/$f"
    printf '%s %s %s %s\n' "$p" "$f" "$fl" "$t"
  done
m end
"""


def probe_command(gpu_timeout_s: int = GPU_TIMEOUT_S) -> str:
    """The shell command, with ``nvidia-smi`` limited to ``gpu_timeout_s`` seconds."""
    return (
        _TEMPLATE.replace("@GPU_TIMEOUT@", str(max(1, int(gpu_timeout_s))))
        .replace("@GPU_FIELDS@", GPU_FIELDS)
        .replace("@APP_FIELDS@", APP_FIELDS)
        .replace("@MAX_COMMAND@", str(MAX_COMMAND))
    )


#: The command with the default ``nvidia-smi`` limit.
PROBE_COMMAND = probe_command()


@dataclass(frozen=True)
class CpuTimes:
    """Jiffies from the ``cpu`` line of ``/proc/stat``: busy and total since boot."""

    busy: int
    total: int


@dataclass(frozen=True)
class ProbeResult:
    """One parsed probe: the reading, and the CPU times to diff the next one against."""

    reading: NodeReading
    cpu: CpuTimes | None


@dataclass
class _Sections:
    lines: dict[str, list[str]]
    #: Exit statuses from ``gpus-rc``/``apps-rc`` markers.
    status: dict[str, int]
    whole: bool


def split_sections(text: str) -> _Sections | None:
    """The probe's sections by name, or None when no opening marker is found (the
    user's shell start-up files may print lines before it: they are skipped)."""
    opening = re.search(r"^@@tfwatch-probe:([0-9A-Za-z-]{1,64}):begin 1$", text, re.M)
    if opening is None:
        return None
    marker = f"{MARK}{opening.group(1)}:"
    lines: dict[str, list[str]] = {}
    status: dict[str, int] = {}
    whole = False
    current: list[str] | None = None
    for line in text[opening.end() :].split("\n"):
        if not line.startswith(marker):
            if current is not None and line:
                current.append(line)
            continue
        name, _, arg = line[len(marker) :].partition(" ")
        if name.endswith("-rc"):
            status[name[:-3]] = int(arg) if arg.isdigit() else -1
            current = None
        elif name == "end":
            whole = True
            break
        else:
            current = lines.setdefault(name, [])
    return _Sections(lines, status, whole)


def parse_cpu(line: str) -> CpuTimes | None:
    """``cpu  user nice system idle iowait irq softirq steal guest guest_nice`` → times
    (guest time is already counted in user time, so only the first eight add up)."""
    parts = line.split()
    if len(parts) < 5 or parts[0] != "cpu" or not all(p.isdigit() for p in parts[1:9]):
        return None
    values = [int(p) for p in parts[1:9]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return CpuTimes(busy=sum(values) - idle, total=sum(values))


def cpu_percent(previous: CpuTimes | None, current: CpuTimes | None) -> float | None:
    """Busy share of all CPUs between two samples (None without two, or after a reboot)."""
    if previous is None or current is None:
        return None
    total = current.total - previous.total
    busy = current.busy - previous.busy
    if total <= 0 or busy < 0:
        return None
    return round(100.0 * min(busy, total) / total, 1)


def elapsed_seconds(etime: str) -> int | None:
    """``ps``'s ``etime`` (``[[dd-]hh:]mm:ss``) in seconds."""
    days, _, clock = etime.rpartition("-")
    parts = clock.split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    if days and not days.isdigit():
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds + (int(days) * 86400 if days else 0)


def _processes(
    procs: list[str], writes: list[str], node_time: float | None
) -> tuple[tuple[NodeProcess, ...], int]:
    held: dict[int, list[str]] = {}
    skipped = 0
    for line in writes:
        parts = line.split(None, 3)
        if len(parts) != 4 or not parts[0].isdigit():
            skipped += 1
            continue
        try:
            flags = int(parts[2], 8)
        except ValueError:
            continue  # fdinfo unreadable (closed meanwhile, or not ours to read)
        if opened_for_writing(flags):
            target = parts[3].removesuffix(" (deleted)")
            held.setdefault(int(parts[0]), []).append(clean_text(target, MAX_COMMAND))
    found: dict[int, NodeProcess] = {}
    for line in procs:
        parts = line.split(None, 4)
        if len(parts) < 4 or not parts[0].isdigit() or not parts[1].isdigit():
            skipped += 1
            continue
        pid, elapsed = int(parts[0]), elapsed_seconds(parts[3])
        started = node_time - elapsed if node_time is not None and elapsed is not None else None
        found[pid] = NodeProcess(
            pid=pid,
            ppid=int(parts[1]),
            user=clean_text(parts[2], 64) or None,
            started=started,
            command=clean_text(parts[4], MAX_COMMAND) if len(parts) == 5 else None,
            writes=tuple(held.pop(pid, ())),
        )
    # A writer that ``ps`` missed (it started between the two commands) still counts.
    for pid, files in held.items():
        found[pid] = NodeProcess(pid=pid, writes=tuple(files))
    return tuple(found[pid] for pid in sorted(found)), skipped


def _gpus(sections: _Sections, gpu_timeout_s: int) -> tuple[tuple[NodeGpu, ...] | None, str | None]:
    if "nogpu" in sections.lines:
        return (), "no NVIDIA GPU"
    if "gpus" not in sections.lines:
        return None, None
    lines = sections.lines["gpus"]
    rc = sections.status.get("gpus")
    if rc == 124:
        return None, f"nvidia-smi did not answer within {gpu_timeout_s} s"
    if rc is not None and rc != 0:  # None: output cut short, read what came
        said = clean_text(lines[0], 120) if lines else "no output"
        return None, f"nvidia-smi failed (exit {rc}): {said}"
    table = parse_gpu_lines(lines)
    notes = [f"{table.skipped} nvidia-smi line(s) not understood"] if table.skipped else []
    gpus = table.gpus
    if sections.status.get("apps") == 0:
        by_uuid, skipped_apps = parse_app_lines(sections.lines.get("apps", []))
        gpus = attach_processes(gpus, by_uuid)
        if skipped_apps:
            notes.append(f"{skipped_apps} GPU process line(s) not understood")
    if not gpus and not notes:
        notes.append("nvidia-smi lists no GPU")
    return gpus, "; ".join(notes) or None


def _first(sections: _Sections, name: str) -> str | None:
    lines = sections.lines.get(name)
    return lines[0] if lines else None


def _memory(lines: list[str]) -> tuple[int | None, int | None]:
    kib: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            kib[parts[0].rstrip(":")] = int(parts[1])
    total = kib.get("MemTotal")
    available = kib.get("MemAvailable")
    used = (total - available) * 1024 if total is not None and available is not None else None
    return used, total * 1024 if total is not None else None


def parse_probe_output(
    output: bytes | str,
    name: str,
    now: float,
    previous_cpu: CpuTimes | None = None,
    gpu_timeout_s: int = GPU_TIMEOUT_S,
) -> ProbeResult:
    """The reading the probe's output gives; ``name`` is used when it names no host."""
    raw = output[:MAX_OUTPUT]
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    sections = split_sections(text.replace("\r", ""))
    if sections is None:
        said = clean_text(text.strip().split("\n", 1)[0], 120) if text.strip() else "nothing"
        reading = NodeReading(
            name=name, source=NodeSource.SSH, up=True, time=now,
            error=f"not a tfwatch probe answer: {said}",
        )  # fmt: skip
        return ProbeResult(reading, None)
    notes: list[str] = [] if sections.whole else ["probe output cut short"]
    host = clean_text(_first(sections, "host") or "", 255)
    clock = number(_first(sections, "time") or "")
    cpu_line = _first(sections, "cpu")
    cpu = parse_cpu(cpu_line) if cpu_line else None
    used, total = _memory(sections.lines.get("mem", []))
    load_line = (_first(sections, "load") or "").split()
    gpus, gpu_note = _gpus(sections, gpu_timeout_s)
    processes: tuple[NodeProcess, ...] | None = None
    if "procs" in sections.lines:
        processes, skipped = _processes(
            sections.lines["procs"], sections.lines.get("writes", []), clock
        )
        if skipped:
            notes.append(f"{skipped} process line(s) not understood")
    elif sections.whole:
        notes.append("no process table")
    reading = NodeReading(
        name=host or name,
        source=NodeSource.SSH,
        up=True,
        error="; ".join(notes) or None,
        time=now,
        gpus=gpus,
        gpu_note=gpu_note,
        cpu_percent=cpu_percent(previous_cpu, cpu),
        memory_used_bytes=used,
        memory_total_bytes=total,
        load1=number(load_line[0]) if load_line else None,
        processes=processes,
    )
    return ProbeResult(reading, cpu)
