"""Which live process writes which run (same host only).

A run is linked to a process by the first of these that holds:

1. **open file**: the process holds one of the run's event files open *for writing*
   (tensorboardX and TensorFlow keep their file open while they write). Readers —
   TensorBoard and its data server, ``tail -f``, another tfwatch — hold them read-only
   and are never linked (see :mod:`processes`); tfwatch's own processes (this one, and
   any whose command line is tfwatch or TensorBoard) never count whatever their mode;
2. **file name**: the newest event file whose name carries a PID
   (``…tfevents.<time>.<host>.<pid>.<n>``) names a live process on this host that was
   started before the file was created, so a recycled PID is never taken for the writer
   (TensorBoard's and PyTorch's writers close the file between flushes);
3. **command line**: a non-viewer process names the run's directory — or a directory
   above it — in a log-dir option (see :mod:`cmdline_logdirs`). Above it counts only when
   the run was written after the process started, so a script logging into
   ``runs/<timestamp>/`` is not taken for the writer of every older run in ``runs/``.

A run is **remote** when its event files name hosts and none of them is this one and no
local process holds one of its files open for writing; remote runs are never linked (a
PID from another machine means nothing here). A local writer wins over the name: a
container names its files with its own host name, yet its process is visible (and can
be stopped) from the host.

Forked workers (data loaders) inherit their parent's open descriptors, so several PIDs
may hold one file: the link's ``pid`` is the one whose parent is not itself a holder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tfwatch.model.event_file_names import (
    EventFileName,
    local_hostname,
    parse_event_file_name,
    same_host,
)
from tfwatch.system.cmdline_logdirs import cmdline_logdirs, is_viewer
from tfwatch.system.processes import ProcessInfo, ProcessTable

LinkMethod = Literal["open-file", "file-name", "cmdline"]
#: File names hold whole seconds: allow this much between a process start and its file.
_START_SLACK_S = 2.0


@dataclass(frozen=True)
class RunFiles:
    """A run as the linkage needs it: plain data, no store types."""

    name: str
    #: The run directory.
    path: str
    #: Paths of its event files.
    event_files: tuple[str, ...]


@dataclass(frozen=True)
class RunLink:
    """What the linkage found for one run."""

    run: str
    #: The run's files name only other hosts: nothing here can be its writer.
    remote: bool
    #: Hosts named in its event file names.
    hosts: tuple[str, ...]
    #: Newest modification time of its event files (0.0 when none could be read).
    last_write: float
    #: The writer: the primary linked process, when one is alive.
    pid: int | None = None
    create_time: float | None = None
    method: LinkMethod | None = None
    #: Every live process linked to the run (the writer first).
    pids: tuple[int, ...] = ()
    #: Whether the writer holds one of the run's event files open.
    holds_open: bool = False
    #: The PID named by the run's newest event file when that process has ended (gone,
    #: or its PID now belongs to a process started later): the writer is known to be
    #: gone even without having watched it die.
    ended_pid: int | None = None


def _primary(procs: Iterable[ProcessInfo]) -> list[ProcessInfo]:
    """Processes ordered writer first: a parent before its forked children, then oldest."""
    group = list(procs)
    pids = {p.pid for p in group}
    return sorted(group, key=lambda p: (p.ppid in pids, p.create_time, p.pid))


def never_writer(proc: ProcessInfo) -> bool:
    """tfwatch's own processes and viewers: this process, and any process whose command
    line is tfwatch or TensorBoard (they only read logs, whatever their descriptors say)."""
    return proc.pid == os.getpid() or is_viewer(proc.cmdline)


def _under(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip(os.sep) + os.sep)


class RunLinker:
    """Links runs to processes; caches real paths across scans (they rarely change).

    By default the processes are this host's. For another node's (see
    :mod:`tfwatch.system.nodes.node_linkage`) give its ``hostname``, ``this_host=False``
    (a PID there equal to ours is not us) and a ``realpath`` that does not look at this
    host's files.
    """

    def __init__(
        self,
        hostname: str | None = None,
        *,
        realpath: Callable[[str], str] = os.path.realpath,
        this_host: bool = True,
    ) -> None:
        self.hostname = hostname or local_hostname()
        self._real: dict[str, str] = {}
        self._resolve = realpath
        self._this_host = this_host

    def _realpath(self, path: str) -> str:
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = self._resolve(path)
        return real

    def _never_writer(self, proc: ProcessInfo) -> bool:
        return never_writer(proc) if self._this_host else is_viewer(proc.cmdline)

    def link(self, runs: Sequence[RunFiles], table: ProcessTable) -> dict[str, RunLink]:
        """One :class:`RunLink` per run, by name."""
        holders: dict[str, list[ProcessInfo]] = {}
        for proc in table.processes.values():
            if proc.open_event_files and not self._never_writer(proc):
                for f in proc.open_event_files:
                    holders.setdefault(f, []).append(proc)
        logdirs = [
            (p, d) for p in table.processes.values() for d in cmdline_logdirs(p.cmdline, p.cwd)
        ]
        return {run.name: self._link_one(run, table, holders, logdirs) for run in runs}

    def _link_one(
        self,
        run: RunFiles,
        table: ProcessTable,
        holders: dict[str, list[ProcessInfo]],
        logdirs: list[tuple[ProcessInfo, str]],
    ) -> RunLink:
        names = [(f, parse_event_file_name(f)) for f in run.event_files]
        hosts = tuple(sorted({n.host for _, n in names if n.host}))
        last_write = 0.0
        for f in run.event_files:
            with contextlib.suppress(OSError):
                last_write = max(last_write, os.stat(f).st_mtime)
        # (Real paths cost a few lstat calls each: only worked out when some process
        # holds an event file open, or names a log directory, to compare them with.)
        held = {
            p.pid: p
            for f in (run.event_files if holders else ())
            for p in holders.get(self._realpath(f), [])
        }
        remote = bool(hosts) and not any(same_host(h, self.hostname) for h in hosts)
        if remote and not held:
            return RunLink(run=run.name, remote=True, hosts=hosts, last_write=last_write)
        newest_first = sorted(names, key=lambda fn: fn[1].created or 0.0, reverse=True)
        base = RunLink(
            run=run.name,
            remote=False,
            hosts=hosts,
            last_write=last_write,
            ended_pid=self._ended_writer(newest_first, table),
        )
        if held:
            procs = _primary(held.values())
            return _linked(base, procs, "open-file", holds_open=True)

        for _, n in newest_first:
            proc = self._named_writer(n, table)
            if proc is not None:
                return _linked(base, [proc], "file-name", holds_open=False)

        if not logdirs:
            return base
        run_dir = self._realpath(run.path)
        matches: dict[int, tuple[int, ProcessInfo]] = {}
        for proc, logdir in logdirs:
            exact = run_dir == logdir
            inside = _under(run_dir, logdir) and last_write >= proc.create_time - _START_SLACK_S
            if exact or inside:
                depth = len(logdir)
                if depth > matches.get(proc.pid, (-1, proc))[0]:
                    matches[proc.pid] = (depth, proc)
        if matches:
            deepest = max(d for d, _ in matches.values())
            procs = _primary(p for d, p in matches.values() if d == deepest)
            return _linked(base, procs, "cmdline", holds_open=False)
        return base

    def _named_writer(self, n: EventFileName, table: ProcessTable) -> ProcessInfo | None:
        """The live process a file name points at, if it is the one that made the file."""
        if n.pid is None or n.host is None or not same_host(n.host, self.hostname):
            return None
        proc = table.get(n.pid)
        if proc is None or proc.create_time > (n.created or 0.0) + _START_SLACK_S:
            return None  # gone, or the PID was reused by a later process
        return proc

    def _ended_writer(
        self, newest_first: list[tuple[str, EventFileName]], table: ProcessTable
    ) -> int | None:
        if not newest_first:
            return None
        n = newest_first[0][1]
        if n.pid is None or n.host is None or not same_host(n.host, self.hostname):
            return None
        return None if self._named_writer(n, table) is not None else n.pid


def _linked(
    base: RunLink, procs: Sequence[ProcessInfo], method: LinkMethod, holds_open: bool
) -> RunLink:
    writer = procs[0]
    return RunLink(
        run=base.run,
        remote=base.remote,
        hosts=base.hosts,
        last_write=base.last_write,
        pid=writer.pid,
        create_time=writer.create_time,
        method=method,
        pids=tuple(p.pid for p in procs),
        holds_open=holds_open,
        ended_pid=base.ended_pid,
    )


def link_runs(
    runs: Sequence[RunFiles], table: ProcessTable, hostname: str | None = None
) -> dict[str, RunLink]:
    """One-shot linkage (``tfwatch ls``): :meth:`RunLinker.link` without a cache."""
    return RunLinker(hostname).link(runs, table)
