"""The live session's nodes: this machine among them (from the sampler, psutil and the
NVML adapter), and the states of runs written on other nodes as their node tells them.
Runs are the demo's, written by the real writer with hosts and PIDs in their names."""

from __future__ import annotations

import time
from pathlib import Path

from tests.services.prometheus import wait_until
from tfwatch.live.factory import open_session
from tfwatch.live.node_states import NodeStates
from tfwatch.loading import make_tailer
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeReading, NodeSource, PodPhase
from tfwatch.system.nodes.local import LocalNodePoller


def test_the_session_lists_this_machine_first(demo_root: Path) -> None:
    session = open_session([str(demo_root)], live=True)
    assert session.cluster is not None and not session.cluster.remote
    session.start(on_publish=lambda published: None)
    try:
        nodes = wait_until(lambda: session.nodes, 60, "the local node")
    finally:
        session.stop()
    (here,) = nodes
    assert (here.name, here.source, here.up) == (local_hostname(), NodeSource.LOCAL, True)
    assert here.memory_total_bytes and here.cpu_percent is not None
    assert here.gpus is not None  # NVML's answer: GPUs, or none with why
    assert here.gpus or here.gpu_note


def test_a_local_poller_without_a_sampler_reads_once() -> None:
    (reading,) = LocalNodePoller().poll(time.monotonic() + 5)
    assert reading.source == NodeSource.LOCAL and reading.memory_total_bytes


def _inputs(demo_root: Path) -> tuple[NodeStates, list]:  # type: ignore[type-arg]
    tailer = make_tailer([str(demo_root)])
    tailer.poll()
    states = NodeStates()
    with tailer.lock:
        return states, states.inputs(tailer.runs.values())


def test_runs_on_a_down_node_are_unknown_saying_why(demo_root: Path) -> None:
    # The demo's runs name host "demo-host".
    states, inputs = _inputs(demo_root)
    up = NodeReading("demo-host", NodeSource.PROMETHEUS, True, time=time.time())
    never = NodeReading("demo-host", NodeSource.SSH, False, "no answer", time.time())
    assert states.states([never], inputs, {}, time.time()) == {}  # never answered: no node
    states.states([up], inputs, {}, time.time())
    down = NodeReading("demo-host", NodeSource.PROMETHEUS, False, "target demo-host:9400 "
                       "(job dcgm) is down (up = 0)", time.time())  # fmt: skip
    out = states.states([down], inputs, {}, time.time())
    assert len(out) == len(inputs) == 6
    for status in out.values():
        assert status.state == "unknown" and "(up = 0)" in status.reason
    assert {states.where(f.name).node for f, _ in inputs} == {"demo-host"}  # type: ignore[union-attr]


def test_a_pod_phase_decides_and_a_node_without_processes_leaves_recency(
    demo_root: Path,
) -> None:
    states, inputs = _inputs(demo_root)
    failed = NodeReading(
        "demo-host", NodeSource.PROMETHEUS, True, time=time.time(),
        pods=(PodPhase("demo-host", "ml", "Failed"),),
    )  # fmt: skip
    out = states.states([failed], inputs, {}, time.time())
    assert {s.state for s in out.values()} == {"crashed"}
    assert all(s.reason == "pod ml/demo-host failed" for s in out.values())
    plain = NodeReading("demo-host", NodeSource.PROMETHEUS, True, time=time.time())
    assert states.states([plain], inputs, {}, time.time()) == {}  # recency decides
