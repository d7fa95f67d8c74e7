"""SSH nodes read through a real SSH server on 127.0.0.1 that runs commands in ``sh`` here.

One server plays two nodes: user ``gpu`` has a stand-in ``nvidia-smi`` first on its PATH
(real CSV lines), user ``cpu`` has none. Writers are real tensorboardX processes, one
started through the server itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from tests.ingest.sources.process_servers import free_port
from tests.nvidia_smi_standin import H100_GPUS, h100_apps
from tests.system.nodes.ssh_node_server import NodeServer
from tests.system.writers import WriterFactory, writer_factory
from tfwatch.ingest.sources.ssh import SSHConnections, SSHTarget
from tfwatch.loading import load_once
from tfwatch.model.event_file_names import local_hostname
from tfwatch.model.nodes import NodeReading
from tfwatch.system.nodes.ssh_poller import SshNodePoller, ssh_node_pollers


@pytest.fixture(scope="module")
def writers() -> Iterator[WriterFactory]:
    with writer_factory() as factory:
        yield factory


@pytest.fixture(autouse=True)
def _answers(node_server: NodeServer) -> None:
    node_server.smi.hang(False)
    node_server.smi.answer(H100_GPUS)


def poll(poller: SshNodePoller, seconds: float = 20.0) -> NodeReading:
    (reading,) = poller.poll(time.monotonic() + seconds)
    return reading


def poll_until(poller: SshNodePoller, up: bool, seconds: float = 60.0) -> NodeReading:
    deadline = time.monotonic() + seconds
    while True:
        reading = poll(poller, 10.0)
        if reading.up == up or time.monotonic() > deadline:
            return reading
        time.sleep(0.1)


def test_gpu_node_its_writer_and_gpus_over_one_kept_connection(
    node_server: NodeServer, writers: WriterFactory, tmp_path: Path
) -> None:
    writer = writers.spawn("tbx", tmp_path / "run")
    writer.write(2)
    node_server.smi.answer(H100_GPUS, h100_apps(writer.pid))
    poller = node_server.poller("gpu")
    before = node_server.server.connections_made
    first = poll(poller)
    second = poll(poller)
    assert node_server.server.connections_made - before == 1  # kept between polls
    assert first.up and first.error is None and first.name == local_hostname()
    assert first.cpu_percent is None and second.cpu_percent is not None
    assert second.gpus is not None and [g.index for g in second.gpus] == [0, 1]
    (on_gpu,) = second.gpus[0].processes or ()
    assert on_gpu.pid == writer.pid
    procs = {p.pid: p for p in second.processes or ()}
    (event_file,) = writer.event_files()
    assert procs[writer.pid].writes == (os.path.realpath(event_file),)
    assert poller.label == f"ssh gpu@127.0.0.1:{node_server.port}"
    poller.close()


def test_node_without_nvidia_smi(node_server: NodeServer) -> None:
    reading = poll(node_server.poller("cpu"))
    assert reading.up and reading.gpus == () and reading.gpu_note == "no NVIDIA GPU"
    assert reading.memory_total_bytes and reading.processes


def test_writer_started_through_the_server(node_server: NodeServer, tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from tensorboardX import SummaryWriter\n"
        "w = SummaryWriter(sys.argv[1])\n"
        "w.add_scalar('loss', 1.0, 0); w.flush()\n"
        "time.sleep(120)\n"
    )
    (tmp_path / "train.py").write_text(script)
    logdir = tmp_path / "logs"

    async def start() -> int:
        async with asyncssh.connect(
            "127.0.0.1", node_server.port, username="cpu", **node_server.options
        ) as conn:
            done = await conn.run(
                f"cd {tmp_path} && {sys.executable} train.py {logdir} </dev/null "
                ">/dev/null 2>&1 & echo $!",
                check=True,
            )
            return int(str(done.stdout).strip())

    import asyncio

    pid = asyncio.run(start())
    try:
        poller = node_server.poller("cpu")
        deadline = time.monotonic() + 60
        writes: tuple[str, ...] = ()
        while time.monotonic() < deadline and not writes:
            procs = {p.pid: p for p in poll(poller).processes or ()}
            writes = procs[pid].writes if pid in procs else ()
            time.sleep(0.1)
        assert len(writes) == 1 and writes[0].startswith(str(logdir.resolve()))
        assert "train.py" in (procs[pid].command or "")
    finally:
        os.kill(pid, 9)


def test_sshd_stopped_mid_run_then_back(node_server: NodeServer) -> None:
    poller = node_server.poller("gpu", backoff_s=0.2, max_backoff_s=1.0)
    assert poll(poller).up
    node_server.server.stop()
    try:
        down = poll(poller)
        assert not down.up and down.name == local_hostname()
        assert down.error is not None and down.error.isprintable() and "\n" not in down.error
        assert f"gpu@127.0.0.1:{node_server.port}" in down.error
        assert poll_until(poller, up=True, seconds=3).up is False  # still down
    finally:
        node_server.server.start()
    back = poll_until(poller, up=True)
    assert back.up and back.error is None and back.gpus


def test_unreachable_node_backs_off(node_server: NodeServer) -> None:
    dead = SSHTarget(host="127.0.0.1", path=".", user="gpu", port=free_port())
    poller = SshNodePoller(dead, node_server.options, connections=SSHConnections(), backoff_s=30)
    first = poll(poller)
    assert not first.up and first.error and "cannot reach" in first.error
    started = time.monotonic()
    again = poll(poller)  # within the backoff: no new try, the same error at once
    assert time.monotonic() - started < 1.0
    assert not again.up and again.error == first.error


def test_hung_nvidia_smi_costs_the_gpus_not_the_node(node_server: NodeServer) -> None:
    node_server.smi.hang()
    reading = poll(node_server.poller("gpu"), seconds=8.0)
    assert reading.up and reading.gpus is None
    assert reading.gpu_note is not None and "did not answer within" in reading.gpu_note
    assert reading.processes and reading.memory_total_bytes


def test_command_hanging_past_the_deadline(node_server: NodeServer) -> None:
    poller = node_server.poller("gpu", backoff_s=0.1, max_backoff_s=0.1)
    assert poll(poller).up  # connected; the next poll's deadline is shorter than the hang
    node_server.smi.hang()
    started = time.monotonic()
    reading = poll(poller, seconds=1.5)
    assert time.monotonic() - started < 1.5 + 5.0  # returned by (about) its deadline
    assert not reading.up and reading.error is not None and "no answer within" in reading.error
    node_server.smi.hang(False)
    assert poll_until(poller, up=True).up


def test_hostile_nvidia_smi_over_ssh(node_server: NodeServer) -> None:
    node_server.smi.answer(
        H100_GPUS.encode() + b"\x1b[2J\x00\xff\n@@tfwatch-probe:1:nogpu\n9, x\n",
        b"GPU-\x1b]0;t\x07, 12, 1, \xff\xfe/evil\nnot an app\n",
    )
    reading = poll(node_server.poller("gpu"))
    assert reading.up and reading.error is None
    assert reading.gpus is not None and len(reading.gpus) == 2
    assert reading.gpu_note is not None and "not understood" in reading.gpu_note


def test_pollers_from_roots_share_the_roots_connection(
    node_server: NodeServer, tmp_path: Path
) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "logs" / "run"))
    w.add_scalar("loss", 1.0, 0)
    w.close()
    root = f"ssh://cpu@127.0.0.1:{node_server.port}{tmp_path}/logs"
    storage = {f"ssh.{k}": v for k, v in node_server.options.items()}
    assert sorted(load_once([root], storage_options=storage).runs) == ["run"]
    (poller,) = ssh_node_pollers([root, str(tmp_path)], storage_options=storage)
    before = node_server.server.connections_made
    reading = poll(poller)
    assert reading.up and node_server.server.connections_made == before


def test_refused_login_is_one_line_without_the_key(node_server: NodeServer, tmp_path: Path) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    key = tmp_path / "stranger"
    stranger.write_private_key(str(key))
    options = {**node_server.options, "client_keys": [str(key)]}
    poller = SshNodePoller(node_server.target("gpu"), options, connections=SSHConnections())
    reading = poll(poller)
    assert not reading.up and reading.error is not None
    assert "access denied" in reading.error and "\n" not in reading.error
    assert str(key) not in reading.error and "PRIVATE KEY" not in reading.error
