"""A snapshot of this host's processes: who they are and which event files they hold
open for writing.

Scanning every process's open files is the costly part, so it runs on the sampler thread
every few seconds, never on the UI thread; ``bench/process_scan.py`` measures it. On
Linux the scan reads ``/proc`` directly — ``stat``, ``cmdline``, the ``cwd`` link and the
``fd`` links, keeping only descriptors that name a ``tfevents`` file — which is several
times cheaper than going through psutil (whose ``open_files()`` also opens each
descriptor's ``fdinfo``). Elsewhere psutil does the work. Processes we may not look into
(other users', without privileges) are counted in ``denied``, never fatal.

Only descriptors open for writing count: TensorBoard (and its data server), ``tail -f``
or another tfwatch hold the same files open read-only, and a reader is never a writer.
On Linux the access mode comes from the ``flags:`` line of ``/proc/PID/fdinfo/FD``
(read for event-file descriptors only); elsewhere from psutil's ``mode`` where the
platform gives one — where it does not (macOS), a descriptor's mode is unknown and it
is kept, and :mod:`linkage` still never takes a viewer's process for a writer.
"""

from __future__ import annotations

import os
import pwd
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil

#: Part of every event file name, whichever writer made it.
EVENT_FILE_MARK = "tfevents"
_PROC = "/proc"
_LINUX_PROC = sys.platform.startswith("linux") and os.path.isdir(f"{_PROC}/self/fd")
_ATTRS = ["pid", "ppid", "create_time", "username", "name", "cmdline", "cwd", "status"]


@dataclass(frozen=True)
class ProcessInfo:
    """One live process, as far as we were allowed to see it."""

    pid: int
    ppid: int
    #: Seconds since the epoch (as psutil computes it); with ``pid`` it names the process
    #: even after its PID is reused.
    create_time: float
    user: str | None
    name: str
    cmdline: tuple[str, ...]
    #: Working directory (on Linux read only when the command line may name a log dir).
    cwd: str | None
    #: Real paths of the event files it holds open for writing (read-only descriptors,
    #: a viewer's, are left out).
    open_event_files: frozenset[str] = frozenset()

    @property
    def command(self) -> str:
        """The command line as one string (the process name when it is hidden)."""
        return " ".join(self.cmdline) if self.cmdline else self.name


@dataclass(frozen=True)
class ProcessTable:
    """Every process seen in one scan, by PID."""

    time: float
    processes: Mapping[int, ProcessInfo] = field(default_factory=dict)
    #: Processes whose open files we could not read.
    denied: int = 0
    #: Wall-clock cost of the scan, in milliseconds.
    scan_ms: float = 0.0
    #: Wait status (as ``waitpid`` reports it) of processes that had ended but were not
    #: yet reaped by their parent (zombies; Linux only), by PID.
    exited: Mapping[int, int] = field(default_factory=dict)

    def get(self, pid: int) -> ProcessInfo | None:
        """The process with this PID, when it was alive at scan time."""
        return self.processes.get(pid)


# -- Linux: /proc directly -------------------------------------------------------------

_users: dict[int, str] = {}


def _user_name(uid: int) -> str:
    name = _users.get(uid)
    if name is None:
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        _users[uid] = name
    return name


def opened_for_writing(flags: int) -> bool:
    """Whether ``open(2)`` flags allow writing (``O_WRONLY``, ``O_RDWR`` or ``O_APPEND``)."""
    return (flags & os.O_ACCMODE) != os.O_RDONLY or bool(flags & os.O_APPEND)


def _fd_flags(pid: int, fd: str) -> int | None:
    """The ``open(2)`` flags of one descriptor (None when it closed meanwhile)."""
    try:
        with open(f"{_PROC}/{pid}/fdinfo/{fd}", "rb") as f:
            for line in f:
                if line.startswith(b"flags:"):
                    return int(line.split()[1], 8)  # the kernel prints them in octal
    except (OSError, ValueError, IndexError):
        return None
    return None


def _fd_targets(pid: int) -> Iterator[str]:
    """Targets of a process's descriptors that name event files open for writing."""
    fd_dir = f"{_PROC}/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue  # closed between listdir and readlink
        if EVENT_FILE_MARK in target:
            flags = _fd_flags(pid, fd)
            if flags is not None and opened_for_writing(flags):
                yield target.removesuffix(" (deleted)")


def _read_proc(pid: int, boot: float, ticks: int) -> tuple[ProcessInfo | None, bool, int | None]:
    """One process from ``/proc`` (None when gone or a zombie), whether its descriptors
    were hidden from us, and a zombie's wait status."""
    base = f"{_PROC}/{pid}"
    try:
        with open(f"{base}/stat", "rb") as f:
            stat = f.read()
        with open(f"{base}/cmdline", "rb") as f:
            raw_cmd = f.read()
        uid = os.stat(base).st_uid
    except OSError:
        return None, False, None
    # ``comm`` sits in parentheses and may itself hold spaces or ')'.
    close = stat.rfind(b")")
    name = stat[stat.find(b"(") + 1 : close].decode(errors="replace")
    rest = stat[close + 2 :].split()
    if rest[0] == b"Z":
        # A zombie: ended, not yet reaped by its parent. Field 52 (``rest[49]``) holds its
        # wait status — the one moment a non-child's exit status can be read.
        return None, False, int(rest[49]) if len(rest) > 49 else None
    cwd: str | None = None
    # The working directory only matters to resolve a relative log-dir option, and every
    # such option's name holds "dir": skip the syscall for the other processes.
    if b"dir" in raw_cmd.lower():
        try:
            cwd = os.readlink(f"{base}/cwd")
        except OSError:
            cwd = None
    held: frozenset[str] = frozenset()
    denied = False
    if raw_cmd:  # kernel threads have no command line and no files
        try:
            # The kernel already resolves descriptor links to canonical paths: no realpath.
            held = frozenset(_fd_targets(pid))
        except PermissionError:
            denied = True
        except OSError:
            pass  # ended while we looked
    args = raw_cmd.rstrip(b"\0").split(b"\0") if raw_cmd else []
    info = ProcessInfo(
        pid=pid,
        ppid=int(rest[1]),
        create_time=boot + int(rest[19]) / ticks,
        user=_user_name(uid),
        name=name,
        cmdline=tuple(a.decode(errors="replace") for a in args),
        cwd=cwd,
        open_event_files=held,
    )
    return info, denied, None


def _boot_time() -> float:
    """When this host booted, in seconds since the epoch (the ``btime`` line of
    ``/proc/stat``; psutil, which reads the same, is not imported for it)."""
    try:
        with open(f"{_PROC}/stat", "rb") as f:
            for line in f:
                if line.startswith(b"btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    import psutil

    return float(psutil.boot_time())


def _scan_proc() -> tuple[dict[int, ProcessInfo], int, dict[int, int]]:
    boot, ticks = _boot_time(), os.sysconf("SC_CLK_TCK")
    found: dict[int, ProcessInfo] = {}
    exited: dict[int, int] = {}
    denied = 0
    for entry in os.listdir(_PROC):
        if entry.isdigit():
            info, hidden, status = _read_proc(int(entry), boot, ticks)
            if info is not None:
                found[info.pid] = info
                denied += hidden
            elif status is not None:
                exited[int(entry)] = status
    return found, denied, exited


# -- elsewhere: psutil -----------------------------------------------------------------


def _from_psutil(proc: psutil.Process, info: dict[str, Any]) -> ProcessInfo:
    return ProcessInfo(
        pid=proc.pid,
        ppid=int(info.get("ppid") or 0),
        create_time=float(info.get("create_time") or 0.0),
        user=info.get("username"),
        name=str(info.get("name") or ""),
        cmdline=tuple(info.get("cmdline") or ()),
        cwd=info.get("cwd"),
    )


def _psutil_may_write(opened: Any) -> bool:
    """Whether psutil's ``popenfile`` may be open for writing: its ``flags`` or ``mode``
    where the platform reports them (Linux), else unknown and so kept."""
    flags = getattr(opened, "flags", None)
    if isinstance(flags, int):
        return opened_for_writing(flags)
    mode = getattr(opened, "mode", None)
    if isinstance(mode, str):
        return mode != "r"
    return True


def _scan_psutil() -> tuple[dict[int, ProcessInfo], int, dict[int, int]]:
    import psutil

    found: dict[int, ProcessInfo] = {}
    denied = 0
    for proc in psutil.process_iter(_ATTRS, ad_value=None):
        info = proc.info
        if info.get("create_time") is None or info.get("status") == psutil.STATUS_ZOMBIE:
            continue  # vanished mid-scan, or dead and waiting for its parent to reap it
        base = _from_psutil(proc, info)
        try:
            paths = [
                f.path
                for f in proc.open_files()
                if EVENT_FILE_MARK in f.path and _psutil_may_write(f)
            ]
        except psutil.AccessDenied:
            denied += 1
            paths = []
        except psutil.NoSuchProcess:
            continue
        held = frozenset(os.path.realpath(p) for p in paths)
        found[proc.pid] = replace(base, open_event_files=held)
    return found, denied, {}  # psutil gives no exit status of a process it did not start


def scan_processes(use_proc: bool = _LINUX_PROC) -> ProcessTable:
    """Every live process on this host, with the event files each holds open for writing."""
    start = time.perf_counter()
    found, denied, exited = _scan_proc() if use_proc else _scan_psutil()
    elapsed = (time.perf_counter() - start) * 1000.0
    return ProcessTable(
        time=time.time(), processes=found, denied=denied, scan_ms=elapsed, exited=exited
    )


def describe_process(pid: int) -> ProcessInfo | None:
    """One process looked up on its own (e.g. a GPU process between scans)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            info = proc.as_dict(_ATTRS, ad_value=None)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    if info.get("status") == psutil.STATUS_ZOMBIE:
        return None
    return _from_psutil(proc, info)
