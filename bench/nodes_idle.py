#!/usr/bin/env python3
"""Idle CPU of the app with 200 runs on 8 SSH nodes (target: under 5 % of one core).

The runs are generated (bench/gen_logdir.py: 200 runs x 3 tags x 300 steps) with this
machine's name in their files; 8 SSH node pollers (one login each, one probe per node
per interval, a stand-in ``nvidia-smi`` with 8 GPUs) read the tests' SSH server on
127.0.0.1, which runs in a child process so that this process's CPU is tfwatch's alone
(the app, its ingest thread, the pollers' SSH client and parser, the node linkage of
every run and the node alerts). Every node answers with this machine's name, so the
runs all join the first node and are linked against its process table each tick.

    python bench/nodes_idle.py [--runs 200] [--nodes 8] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen_logdir import generate
from bench.nodes_ssh import EIGHT_GPUS, keys, serve
from tests.ingest.sources.process_servers import free_port
from tests.nvidia_smi_standin import install_nvidia_smi
from tfwatch.ingest.sources.ssh import SSHTarget
from tfwatch.live.factory import open_session
from tfwatch.system.nodes.ssh_poller import SshNodePoller
from tfwatch.ui.app import TfwatchApp


async def idle_share(app: TfwatchApp, nodes: int, seconds: float) -> tuple[float, int]:
    """(CPU share of one core over ``seconds``, runs placed on a node)."""
    async with app.run_test(size=(160, 50)) as pilot:
        session = app.session
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            latest = session.latest
            placed = latest is not None and all(
                r.node is not None or not nodes for r in latest.snapshot.runs.values()
            )
            if placed and len([n for n in session.nodes if n.up]) >= nodes:
                break
            await pilot.pause(0.2)
        await pilot.press("p")  # the node list on screen, as a user watching would have it
        await pilot.pause(3.0)
        cpu, wall = time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        share = (time.process_time() - cpu) / (time.perf_counter() - wall)
        latest = session.latest
        runs = latest.snapshot.runs.values() if latest is not None else ()
        return share, sum(r.node is not None for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=2.0, help="node poll interval")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        root = generate(str(directory / "logs"), args.runs, 3, 300)
        port = free_port()
        options = keys(directory, port)
        smi = install_nvidia_smi(directory / "smi")
        smi.answer(EIGHT_GPUS)
        path = f"{smi.directory}{os.pathsep}{os.environ['PATH']}"
        context = multiprocessing.get_context("fork")
        ready = context.Event()
        server = context.Process(target=serve, args=(port, tmp, path, ready), daemon=True)
        server.start()
        try:
            ready.wait(30)
            pollers = [
                SshNodePoller(SSHTarget("127.0.0.1", ".", f"node{i}", port), options)
                for i in range(args.nodes)
            ]
            session = open_session(
                [root], system=False, node_pollers=pollers, node_interval=args.interval
            )
            share, placed = asyncio.run(idle_share(TfwatchApp(session), args.nodes, args.seconds))
            # The same app and runs without node sources, in the same conditions.
            bare = open_session([root], system=False)
            base, _ = asyncio.run(idle_share(TfwatchApp(bare), 0, args.seconds))
        finally:
            server.kill()
    print(
        f"idle CPU with {args.runs} runs ({placed} on a node) and {args.nodes} SSH nodes polled "
        f"every {args.interval:g} s, 1 s refresh: {share * 100:.1f} % of one core "
        f"(the same runs without node sources: {base * 100:.1f} %)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
