"""Regenerate ``screenshots/*.svg`` and ``*.png`` from fixed demo data.

Usage: ``python scripts/screenshots.py [OUT_DIR] [VIEW...]`` (every view by default). The
data are the demo sweep (and, for the group views, a seeded sweep) written with fixed wall
times and the app's clock is pinned, so the images only change when the app does. PNGs
need ``rsvg-convert`` (Debian/Ubuntu: ``apt-get install librsvg2-bin``).

The ``nodes`` and ``node`` views show the demo runs spread over a made-up cluster
(:class:`FixedNodes`: an SSH node with four GPUs and the writers' processes, a node
read from Prometheus with eight, and an SSH node that does not answer).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.demo import FIXED_START, Trainer, fixed_end_time, write_fixed, write_run
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp

STEPS = 600
SIZE = (120, 32)


async def _settle(pilot: Any) -> None:
    for _ in range(200):
        if pilot.app.snapshot is not None:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def _main(pilot: Any) -> None:
    await pilot.press("s")  # sorted by value: best loss first


async def _filter(pilot: Any) -> None:
    await pilot.press("slash", *"sweep lr<=0.1", "enter")


async def _compare(pilot: Any) -> None:
    # Rows by name: baseline, lr=0.003 (stalls), lr=0.01 (plateau), lr=0.03, lr=0.1
    # (fast), lr=0.3 (NaN). Mark the four that behave differently.
    await pilot.press("down", "space", "space", "down", "space", "space")
    await pilot.press("c", "l")  # log y: the diverged run would flatten the others


async def _detail(pilot: Any) -> None:
    await pilot.press("down", "down", "down", "down", "enter")


async def _alerts(pilot: Any) -> None:
    await pilot.press("a")  # newest first; Enter would jump to the run


async def _tree(pilot: Any) -> None:
    await pilot.press("s", "t")  # by value, as a tree: sweep/ heads its runs


async def _help(pilot: Any) -> None:
    await pilot.press("question_mark")


async def _groups(pilot: Any) -> None:
    await pilot.press("g")  # by hparams except seeds
    await pilot.pause(0.5)
    await pilot.press("s", "enter")  # best mean first; open it


async def _bands(pilot: Any) -> None:
    await pilot.press("g")
    await pilot.pause(0.5)
    await pilot.press("c")


async def _hparams(pilot: Any) -> None:
    await pilot.press("h")


#: A seeded sweep for the group views: three configurations × three seeds under
#: ``seeds/lr=…/seed=…`` (the seed comes from the path). Seeds of one configuration
#: behave differently, as real ones do, and the third stops early: the bands are wide and
#: narrow where it stops.
SEEDED = [
    (Trainer(f"seeds/lr={lr}/seed={seed}", lr, behaviour, optimizer=opt), steps)
    for lr, opt, behaviours in (
        (0.1, "adam", ("fast", "fast", "slow")),
        (0.03, "sgd", ("slow", "plateau", "fast")),
        (0.01, "adam", ("plateau", "slow", "plateau")),
    )
    for seed, (behaviour, steps) in enumerate(
        zip(behaviours, (STEPS, STEPS, STEPS * 2 // 3), strict=True), start=1
    )
]


def write_seeded(root: Path) -> None:
    """Write :data:`SEEDED` with fixed wall times and file names (as ``write_fixed``)."""
    for i, (trainer, steps) in enumerate(SEEDED):
        write_run(trainer, str(root), steps, 0.0, FIXED_START, seed=100 + i)
        run_dir = root / trainer.name
        for n, path in enumerate(sorted(run_dir.glob("*tfevents*"))):
            path.rename(
                run_dir / f"events.out.tfevents.{int(FIXED_START)}.demo-host.{2000 + i}.{n}"
            )


#: Views shot on the seeded sweep rather than the demo's.
ON_SEEDS = ("groups", "bands", "hparams")


async def _nodes(pilot: Any) -> None:
    for _ in range(100):  # every run placed on its node
        runs = pilot.app.snapshot.runs.values() if pilot.app.snapshot else ()
        if runs and all(r.node for r in runs):
            break
        await pilot.pause(0.1)
    await pilot.press("p")


async def _node(pilot: Any) -> None:
    await _nodes(pilot)
    await pilot.pause(0.5)
    pilot.app.query_one("#nodes").focus()
    await pilot.press("enter")


#: Which made-up node each demo run is written on (by its directory).
NODE_OF_RUN = {
    "lr=0.003": "gpu-a",
    "lr=0.01": "gpu-a",
    "lr=0.03": "gpu-a",
    "lr=0.1": "gpu-b",
    "lr=0.3": "gpu-b",
    "baseline[bs=64]": "gpu-b",
}


def spread_over_nodes(root: Path) -> dict[int, str]:
    """Rename the demo runs' event files as written on their nodes; the writer PID (in
    each name) → its event file's path."""
    from tfwatch.model.event_file_names import parse_event_file_name

    files = {}
    for path in sorted(root.rglob("events.out.tfevents.*")):
        node = NODE_OF_RUN[path.parent.name]
        named = parse_event_file_name(path.name)
        assert named.host is not None and named.pid is not None
        moved = path.with_name(path.name.replace(f".{named.host}.", f".{node}."))
        path.rename(moved)
        files[named.pid] = str(moved)
    return files


class FixedNodes:
    """A node poller of fixed readings (``NodePoller``), for the screenshots."""

    label = "ssh fixed"

    def __init__(self, files: dict[int, str], now: float) -> None:
        from tfwatch.model.nodes import (
            NodeGpu,
            NodeGpuProcess,
            NodeProcess,
            NodeReading,
            NodeSource,
        )

        on_a = sorted(pid for pid, path in files.items() if ".gpu-a." in path)
        h100, gib = "NVIDIA H100 80GB HBM3", 81559.0
        utils_a = (97, 94, 12, 0)
        gpus_a = tuple(
            NodeGpu(i, f"GPU-a{i}", h100, utils_a[i], gib * (0.82 - 0.15 * i), gib, 64 - i,
                    610.0 - 90 * i, processes=(NodeGpuProcess(on_a[i]),) if i < len(on_a) else ())
            for i in range(4)
        )  # fmt: skip
        procs = tuple(
            NodeProcess(pid, 1, "alice", now - 3600,
                        f"python train.py --logdir {Path(files[pid]).parent}", (files[pid],))
            for pid in on_a
        )  # fmt: skip
        utils_b = (88, 91, 90, 87, 3, 2, 0, 0)
        gpus_b = tuple(
            NodeGpu(i, f"GPU-b{i}", "NVIDIA A100-SXM4-80GB", utils_b[i],
                    gib * (0.7 if utils_b[i] > 50 else 0.01), gib, 58, 300.0)
            for i in range(8)
        )  # fmt: skip
        self.readings = [
            NodeReading("gpu-a", NodeSource.SSH, True, None, now, gpus_a, None, 71.5,
                        180 << 30, 503 << 30, 14.2, procs),
            NodeReading("gpu-b", NodeSource.PROMETHEUS, True, None, now, gpus_b, None, 48.0,
                        402 << 30, 1007 << 30, 30.1),
            NodeReading("gpu-c", NodeSource.SSH, False, "gpu-c: no answer within 5 s", now),
        ]  # fmt: skip

    def poll(self, deadline: float) -> list[Any]:
        return list(self.readings)

    def close(self) -> None:
        pass


VIEWS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "main": _main,
    "filter": _filter,
    "compare": _compare,
    "detail": _detail,
    "alerts": _alerts,
    "tree": _tree,
    "help": _help,
    "groups": _groups,
    "bands": _bands,
    "hparams": _hparams,
    "nodes": _nodes,
    "node": _node,
}
#: Views of the made-up cluster (their own copy of the demo runs).
CLUSTER_VIEWS = ("nodes", "node")


async def shoot(root: Path, name: str, out: Path, files: dict[int, str] | None = None) -> Path:
    """Open the app on ``root``, run view ``name``'s keys, save an SVG."""
    now = fixed_end_time(STEPS) + 5
    pollers = [FixedNodes(files, now)] if files is not None else []
    session = open_session(
        [str(root)],
        metrics=["train/loss", "val/accuracy"],
        clock=lambda: fixed_end_time(STEPS) + 5,
        live=False,
        # The real system strip (this machine's CPU and memory), without process
        # linkage: the fixed runs' states come from their pinned clock.
        system=name == "main",
        link_runs=False,
        targets=[("val/accuracy", 0.7)],
        node_pollers=pollers,
    )
    if session.cluster is not None:
        session.cluster.poll_once()  # the nodes read before the one build
    app = TfwatchApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await VIEWS[name](pilot)
        await pilot.pause(0.6)
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"tfwatch: {name}"), encoding="utf-8")
    return path


def to_png(svg: Path) -> Path | None:
    """Convert with rsvg-convert; spaces preserved so columns stay aligned."""
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found: SVG only", file=sys.stderr)
        return None
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-o", str(png)], input=text.encode(), check=True)
    return png


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = home  # the header shows the root as ~/runs
        root = Path(home, "runs")
        write_fixed(str(root), STEPS)
        seeds = Path(home, "sweep")
        write_seeded(seeds)
        cluster = Path(home, "cluster")
        write_fixed(str(cluster), STEPS)
        files = spread_over_nodes(cluster)
        for name in sys.argv[2:] or VIEWS:
            if name in CLUSTER_VIEWS:
                svg = asyncio.run(shoot(cluster, name, out, files))
            else:
                svg = asyncio.run(shoot(seeds if name in ON_SEEDS else root, name, out))
            png = to_png(svg)
            print(svg, png or "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
