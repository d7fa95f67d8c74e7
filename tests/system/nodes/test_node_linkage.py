"""Runs linked to their writer on a node, from that node's probe reading: this machine
read as a node (the probe run by ``sh``), real writer processes, real event files."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from pathlib import Path

from tests.system.nodes.test_ssh_probe import run_probe
from tests.system.writers import WriterFactory, WriterProcess
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeReading, NodeSource
from tfwatch.model.run_states import RunState
from tfwatch.system.linkage import RunFiles
from tfwatch.system.nodes.node_linkage import (
    NodeRunTracker,
    assess_node_runs,
    link_node_runs,
    node_process_table,
)
from tfwatch.system.nodes.ssh_probe import parse_probe_output
from tfwatch.system.run_state import RunProgress


def this_node() -> NodeReading:
    return parse_probe_output(run_probe(), "dest", time.time()).reading


def files_of(name: str, writer: WriterProcess) -> RunFiles:
    return RunFiles(name=name, path=str(writer.logdir), event_files=tuple(writer.event_files()))


def progress(last_step: int, end_step: int | None = None) -> RunProgress:
    return RunProgress(last_step=last_step, end_step=end_step, last_event_time=time.time())


def test_open_file_and_file_name_links_on_the_node(writers: WriterFactory, tmp_path: Path) -> None:
    tbx = writers.spawn("tbx", tmp_path / "tbx")
    tbx.write(2)
    worker = tbx.fork_worker()  # a data loader that inherited the descriptor
    tb = writers.spawn("tb", tmp_path / "tb")
    tb.write(2)
    runs = [files_of("tbx", tbx), files_of("tb", tb)]
    node = this_node()
    links = link_node_runs([node], runs)
    assert links["tbx"].node == node.name and links["tbx"].unlinked is None
    assert links["tbx"].link.method == "open-file" and links["tbx"].link.pid == tbx.pid
    assert set(links["tbx"].link.pids) == {tbx.pid, worker}  # the parent first
    assert links["tb"].link.method == "file-name" and links["tb"].link.pid == tb.pid
    states = assess_node_runs([node], [(runs[0], progress(2)), (runs[1], progress(2))])
    assert states["tbx"][1].state == RunState.RUNNING
    assert states["tb"][1].state == RunState.RUNNING
    assert f"process {tbx.pid} writing (open-file)" == states["tbx"][1].reason


def test_node_name_matches_whatever_case_or_domain(writers: WriterFactory, tmp_path: Path) -> None:
    tbx = writers.spawn("tbx", tmp_path / "run")
    tbx.write(1)
    node = replace(this_node(), name=local_hostname().upper() + ".cluster.example")
    (entry,) = link_node_runs([node], [files_of("run", tbx)]).values()
    assert entry.node == node.name and entry.link.pid == tbx.pid


def test_writer_killed_short_of_its_end_is_crashed_and_clean_exit_finished(
    writers: WriterFactory, tmp_path: Path
) -> None:
    killed = writers.spawn("tbx", tmp_path / "killed")
    clean = writers.spawn("tbx", tmp_path / "clean")
    killed.write(5)
    clean.write(5)
    runs = [
        (files_of("killed", killed), progress(5, end_step=1000)),
        (files_of("clean", clean), progress(5)),
    ]
    tracker = NodeRunTracker()
    before = tracker.update([this_node()], runs)
    assert {n: s.state for n, (_, s) in before.items()} == {
        "killed": RunState.RUNNING,
        "clean": RunState.RUNNING,
    }
    killed.kill(signal.SIGKILL)
    clean.exit()
    after = tracker.update([this_node()], runs)
    assert after["killed"][1].state == RunState.CRASHED
    assert after["killed"][1].pid == killed.pid
    assert after["clean"][1].state == RunState.FINISHED


def test_node_down_leaves_its_runs_unknown_not_crashed(
    writers: WriterFactory, tmp_path: Path
) -> None:
    tbx = writers.spawn("tbx", tmp_path / "run")
    tbx.write(1)
    runs = [(files_of("run", tbx), progress(1, end_step=1000))]
    tracker = NodeRunTracker()
    node = this_node()
    assert tracker.update([node], runs)["run"][1].state == RunState.RUNNING
    down = NodeReading(node.name, NodeSource.SSH, up=False, error="gpu1: no answer within 5 s")
    entry, status = tracker.update([down], runs)["run"]
    assert status.state == RunState.UNKNOWN and entry.node == node.name
    assert status.reason.startswith(f"node {node.name} unreachable: gpu1: no answer within 5 s")
    assert tracker.update([this_node()], runs)["run"][1].state == RunState.RUNNING


def test_runs_of_no_known_node_and_nodes_without_processes(tmp_path: Path) -> None:
    run = RunFiles("far", str(tmp_path), (f"{tmp_path}/events.out.tfevents.1700000000.gpu9",))
    elsewhere = NodeReading("gpu1", NodeSource.SSH, up=True, processes=())
    entry = link_node_runs([elsewhere], [run])["far"]
    assert entry.node is None and entry.unlinked == "no node named by its event files"
    prometheus = NodeReading("gpu9", NodeSource.PROMETHEUS, up=True)
    (entry, status) = assess_node_runs([prometheus], [(run, progress(1))])["far"]
    assert entry.node == "gpu9" and status.state == RunState.UNKNOWN
    assert status.reason.startswith("node gpu9 lists no processes")


def test_a_pid_equal_to_ours_on_another_node_is_not_us(tmp_path: Path) -> None:
    from tfwatch.model.nodes import NodeProcess

    created = time.time() - 60
    event_file = f"{tmp_path}/events.out.tfevents.{int(created)}.gpu1"
    writer = NodeProcess(
        pid=os.getpid(), ppid=1, started=created - 5, command="python train.py",
        writes=(event_file,),
    )  # fmt: skip
    node = NodeReading("gpu1", NodeSource.SSH, up=True, processes=(writer,))
    assert node_process_table(node).get(os.getpid()) is not None
    entry = link_node_runs([node], [RunFiles("r", str(tmp_path), (event_file,))])["r"]
    assert entry.link.pid == os.getpid() and entry.link.method == "open-file"
