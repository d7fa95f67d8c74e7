"""Runs written on other nodes, linked to their writer there, and their states.

A run belongs to the node its event files name (:func:`tfwatch.model.nodes.node_for_host`:
case-insensitive, a short name matches its FQDN). When that node's reading lists its
processes (SSH nodes do), the rules of :mod:`tfwatch.system.linkage` apply on that
node exactly as they do here — an event file held open for writing, then the PID in
the newest file's name (a process started before the file), then a log directory on a
command line — and :mod:`tfwatch.system.run_state` turns the link into running,
stalled, finished or crashed.

Paths are compared as the node names them: an SSH root lists files with the node's own
paths, and the kernel gives a descriptor's target as a canonical path, so paths are
normalised but never resolved against this host's files (``shared_paths=True``, for a
shared filesystem mounted at the same place, resolves them here as the local linkage
does). Limits: a node's command lines come as one string (``ps``), split at spaces to
find log-dir options; a process's working directory is not read, so a relative log
dir on a command line is not followed; the node's zombie processes are not seen, so
a writer's exit status is not known there.

A run whose node is down, or lists no processes (Prometheus), or is not among the
nodes at all, is not linked: its state is ``unknown`` with the reason, never a guess
from a process table that is missing.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tfwatch.model.event_file_names import parse_event_file_name
from tfwatch.model.nodes import NodeReading, node_for_host
from tfwatch.model.run_states import RunState, StateThresholds
from tfwatch.system.linkage import RunFiles, RunLink, RunLinker
from tfwatch.system.processes import ProcessInfo, ProcessTable
from tfwatch.system.run_state import RunProgress, RunStatus, classify_run
from tfwatch.system.state_tracker import RunStateTracker


def node_process_table(node: NodeReading) -> ProcessTable:
    """The node's processes as the linkage reads them (empty when it lists none)."""
    found: dict[int, ProcessInfo] = {}
    for p in node.processes or ():
        argv = tuple((p.command or "").split())
        found[p.pid] = ProcessInfo(
            pid=p.pid,
            ppid=p.ppid if p.ppid is not None else 0,
            create_time=p.started if p.started is not None else 0.0,
            user=p.user,
            name=posixpath.basename(argv[0]) if argv else "",
            cmdline=argv,
            cwd=None,
            open_event_files=frozenset(posixpath.normpath(f) for f in p.writes),
        )
    return ProcessTable(time=node.time, processes=found)


def run_node(run: RunFiles, nodes: Sequence[NodeReading]) -> NodeReading | None:
    """The node the run's event files name (the newest file's host first)."""
    named = [parse_event_file_name(f) for f in run.event_files]
    candidates = tuple(nodes)
    for n in sorted(named, key=lambda n: n.created or 0.0, reverse=True):
        if n.host:
            node = node_for_host(candidates, n.host)
            if node is not None:
                return node
    return None


@dataclass(frozen=True)
class NodeRunLink:
    """A run's node (None when no node names it) and its link there."""

    node: str | None
    link: RunLink
    #: Why the run could not be linked on its node (down, or no process list).
    unlinked: str | None = None


def _unlinked(run: RunFiles, why: str, node: str | None) -> NodeRunLink:
    hosts = tuple(sorted({h for f in run.event_files if (h := parse_event_file_name(f).host)}))
    link = RunLink(run=run.name, remote=True, hosts=hosts, last_write=0.0)
    return NodeRunLink(node, link, why)


def link_node_runs(
    nodes: Sequence[NodeReading], runs: Sequence[RunFiles], shared_paths: bool = False
) -> dict[str, NodeRunLink]:
    """Each run linked on the node its files name, by run name."""
    realpath = os.path.realpath if shared_paths else posixpath.normpath
    by_node: dict[str, list[RunFiles]] = {}
    readings: dict[str, NodeReading] = {}
    out: dict[str, NodeRunLink] = {}
    for run in runs:
        node = run_node(run, nodes)
        if node is None:
            out[run.name] = _unlinked(run, "no node named by its event files", None)
        elif not node.up:
            out[run.name] = _unlinked(run, f"node {node.name} unreachable: {node.error}", node.name)
        elif node.processes is None:
            out[run.name] = _unlinked(run, f"node {node.name} lists no processes", node.name)
        else:
            by_node.setdefault(node.name, []).append(run)
            readings[node.name] = node
    for name, on_node in by_node.items():
        node = readings[name]
        linker = RunLinker(node.name, realpath=realpath, this_host=False)
        for run_name, link in linker.link(on_node, node_process_table(node)).items():
            out[run_name] = NodeRunLink(name, link)
    return out


def _status_unlinked(entry: NodeRunLink, progress: RunProgress, now: float) -> RunStatus:
    base = classify_run(entry.link, progress, now)
    return RunStatus(
        RunState.UNKNOWN, None, None, None, True, base.idle_s, base.recent,
        f"{entry.unlinked}; {base.reason.split('; ', 1)[-1]}",
    )  # fmt: skip


def assess_node_runs(
    nodes: Sequence[NodeReading],
    runs: Sequence[tuple[RunFiles, RunProgress]],
    now: float | None = None,
    thresholds: StateThresholds | None = None,
    shared_paths: bool = False,
) -> dict[str, tuple[NodeRunLink, RunStatus]]:
    """One-shot link and state of each run on its node (no history), as ``ls`` wants."""
    now = time.time() if now is None else now
    limits = thresholds or StateThresholds()
    links = link_node_runs(nodes, [files for files, _ in runs], shared_paths)
    out: dict[str, tuple[NodeRunLink, RunStatus]] = {}
    for files, progress in runs:
        entry = links[files.name]
        if entry.unlinked is not None:
            out[files.name] = (entry, _status_unlinked(entry, progress, now))
        else:
            out[files.name] = (entry, classify_run(entry.link, progress, now, None, limits))
    return out


class NodeRunTracker:
    """States of runs on other nodes poll after poll, remembering writers between polls
    (a writer seen and then gone reads as crashed or finished by the rules of
    :mod:`tfwatch.system.run_state`). A run whose node is down is ``unknown`` meanwhile:
    its writer is not taken for dead because its node did not answer."""

    def __init__(self, thresholds: StateThresholds | None = None, shared_paths: bool = False):
        self._tracker = RunStateTracker(thresholds)
        self._shared_paths = shared_paths

    def update(
        self,
        nodes: Sequence[NodeReading],
        runs: Sequence[tuple[RunFiles, RunProgress]],
        now: float | None = None,
    ) -> dict[str, tuple[NodeRunLink, RunStatus]]:
        """Every run's link and state after the nodes' latest readings."""
        now = time.time() if now is None else now
        links = link_node_runs(nodes, [files for files, _ in runs], self._shared_paths)
        progress: Mapping[str, RunProgress] = {files.name: prog for files, prog in runs}
        linked = {name: e.link for name, e in links.items() if e.unlinked is None}
        scan_time = max((n.time for n in nodes if n.up), default=now)
        states = self._tracker.update(linked, progress, scan_time, now)
        out: dict[str, tuple[NodeRunLink, RunStatus]] = {}
        for name, entry in links.items():
            status = states.get(name)
            if status is None:
                status = _status_unlinked(entry, progress[name], now)
            out[name] = (entry, status)
        return out
