#!/usr/bin/env python3
"""Cost of polling SSH nodes: 8 nodes, one probe each per interval.

Starts the tests' SSH server (asyncssh, 127.0.0.1) in a child process, so that this
process's CPU time is tfwatch's alone. Each of ``--nodes`` pollers logs in as its own
user (one connection each, as 8 machines would need) and finds a stand-in
``nvidia-smi`` with 8 GPUs on its PATH. The pollers are polled together, each on a
thread, as the cluster monitor does, ``--rounds`` times.

Prints, per poll: the round trip (median and worst), tfwatch's CPU (this process:
asyncssh, parsing), the bytes the probe printed, and what the probe costs on the node
(CPU of ``sh -c PROBE`` run here, children's rusage). ``--extra`` idle processes are
started first so the node's process table is closer to a real GPU box's.

    python bench/nodes_ssh.py [--nodes 8] [--rounds 20] [--extra 300]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.nvidia_smi_standin import install_nvidia_smi
from tests.remote.process_servers import free_port
from tfwatch.ingest.sources.ssh import SSHTarget
from tfwatch.system.nodes.ssh_poller import SshNodePoller
from tfwatch.system.nodes.ssh_probe import PROBE_COMMAND

EIGHT_GPUS = "".join(
    f"{i}, GPU-8f5c2a1e-3b7d-4c9a-9e21-5d0f6b7a8c9{i}, NVIDIA H100 80GB HBM3, "
    f"{80 + i}, {40000 + i}, 81559, {55 + i}, {300 + i}.25\n"
    for i in range(8)
)


def serve(port: int, directory: str, path: str, ready: object) -> None:
    """The SSH server, in its own process until killed."""
    import asyncssh

    from tests.remote.ssh_server import SSHServer

    host_key = asyncssh.read_private_key(f"{directory}/host_key")
    public = Path(f"{directory}/id_ed25519.pub").read_text()
    server = SSHServer(port, host_key, public, exec_env=lambda user: {"PATH": path})
    server.start()
    ready.set()  # type: ignore[attr-defined]
    while True:
        time.sleep(3600)


def keys(directory: Path, port: int) -> dict[str, object]:
    import asyncssh

    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client = asyncssh.generate_private_key("ssh-ed25519")
    client.write_private_key(str(directory / "id_ed25519"))
    client.write_public_key(str(directory / "id_ed25519.pub"))
    host_key.write_private_key(str(directory / "host_key"))
    public = host_key.export_public_key().decode().strip()
    (directory / "known_hosts").write_text(f"[127.0.0.1]:{port} {public}\n")
    return {
        "client_keys": [str(directory / "id_ed25519")],
        "known_hosts": str(directory / "known_hosts"),
        "agent_path": None,
        "config": [],
    }


def node_cost(path: str, repeat: int = 10) -> tuple[float, float, int]:
    """CPU ms the probe costs on the node, its median wall ms, and the bytes it prints."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    size = 0
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run(
            ["sh", "-c", PROBE_COMMAND], env={**os.environ, "PATH": path}, capture_output=True
        ).stdout
        walls.append((time.perf_counter() - started) * 1000.0)
        size = len(out)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu * 1000.0 / repeat, statistics.median(walls), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--extra", type=int, default=300, help="idle processes to add")
    args = parser.parse_args()
    # ``sh`` waiting on ``sleep``: two processes each, one with a training-like argv.
    idle = [
        subprocess.Popen(
            ["sh", "-c", "sleep 3600; : $*", "train.py", "--logdir", f"/data/r{i}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # so the sleep goes with its shell at the end
        )
        for i in range(args.extra // 2)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        port = free_port()
        options = keys(directory, port)
        smi = install_nvidia_smi(directory / "smi")
        smi.answer(EIGHT_GPUS)
        path = f"{smi.directory}{os.pathsep}{os.environ['PATH']}"
        ready = multiprocessing.get_context("fork").Event()
        server = multiprocessing.get_context("fork").Process(
            target=serve, args=(port, tmp, path, ready), daemon=True
        )
        server.start()
        try:
            ready.wait(30)
            node_ms, node_wall, size = node_cost(path)
            bare_ms, _, _ = node_cost(os.environ["PATH"])
            pollers = [
                SshNodePoller(SSHTarget("127.0.0.1", ".", f"node{i}", port), options)
                for i in range(args.nodes)
            ]

            def poll(p: SshNodePoller) -> float:
                started = time.perf_counter()
                (reading,) = p.poll(time.monotonic() + 20)
                assert reading.up and reading.gpus and len(reading.gpus) == 8, reading.error
                return (time.perf_counter() - started) * 1000.0

            alone = []
            for _ in range(args.rounds):
                alone.append(poll(pollers[0]))
            with ThreadPoolExecutor(args.nodes) as pool:
                t0 = time.perf_counter()
                first = list(pool.map(poll, pollers))  # connects
                connect_ms = (time.perf_counter() - t0) * 1000.0
                trips: list[float] = []
                cpu_before = time.process_time()
                for _ in range(args.rounds):
                    trips += pool.map(poll, pollers)
                    time.sleep(args.interval)
                cpu_ms = (time.process_time() - cpu_before) * 1000.0
            polls = args.rounds * args.nodes
            procs = len(pollers[0].poll(time.monotonic() + 20)[0].processes or ())
            print(f"{args.nodes} SSH nodes, {args.rounds} rounds, {procs} processes per node")
            print(f"first round (connect + probe), all nodes: {connect_ms:.0f} ms")
            print(f"  slowest node's first poll: {max(first):.0f} ms")
            print(
                f"round trip per poll: median {statistics.median(trips):.1f} ms, "
                f"max {max(trips):.1f} ms"
            )
            print(f"tfwatch CPU per poll: {cpu_ms / polls:.2f} ms ({cpu_ms / args.rounds:.1f} ms "
                  f"per round of {args.nodes} nodes)")  # fmt: skip
            print(f"probe output: {size / 1024:.1f} KiB per poll")
            print(f"one node polled alone: median {statistics.median(alone[1:]):.1f} ms "
                  f"(the probe alone, sh -c here: {node_wall:.1f} ms)")  # fmt: skip
            print(f"probe CPU on the node: {node_ms:.1f} ms per poll ({bare_ms:.1f} ms "
                  "without the nvidia-smi stand-in)")  # fmt: skip
            for p in pollers:
                p.close()
        finally:
            server.kill()
            for proc in idle:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
