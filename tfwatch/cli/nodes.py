"""``tfwatch nodes``: the cluster's nodes (GPUs, CPU, memory, the runs on each), as a
table or JSON."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from tfwatch.cli.node_options import add_node_options, cluster_pollers, read_nodes
from tfwatch.cli.options import add_roots, add_ssh_node_option

if TYPE_CHECKING:
    from tfwatch.model.nodes import NodeGpu, NodeReading


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``nodes [ROOT...] [--node DEST...] [--prometheus URL...] [--json]``."""
    parser = sub.add_parser("nodes", help="the nodes of the cluster and the runs on each")
    add_roots(parser, optional=True, what="log root whose runs are listed on their nodes")
    add_ssh_node_option(parser)
    add_node_options(parser)
    parser.add_argument(
        "--config", metavar="FILE", default=None, help="TOML config ([prometheus] names)"
    )
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Poll every node source once (while the roots are read) and print the nodes:
    this machine first among them, whatever else is named."""
    pollers = cluster_pollers(args)
    polled: list[tuple[NodeReading, ...]] = []
    failed: list[BaseException] = []

    def poll() -> None:
        try:
            polled.append(read_nodes(pollers))
        except BaseException as e:  # raised again on the main thread
            failed.append(e)

    thread = threading.Thread(target=poll, name="nodes", daemon=True)
    thread.start()
    runs = _runs_by_host(args) if args.roots else []
    thread.join()
    if failed:
        raise failed[0]
    nodes = polled[0]
    on_node = _runs_on_nodes(nodes, runs)
    if args.json:
        write_json(nodes, on_node, sys.stdout)
    else:
        write_table(nodes, on_node, sys.stdout)
    return 0


def _runs_by_host(args: argparse.Namespace) -> list[tuple[str, tuple[str, ...]]]:
    """(run name, its event files) of every run of the roots."""
    from tfwatch.cli.options import storage_options
    from tfwatch.loading import summarize_once

    return summarize_once(args.roots, _run_files, storage_options=storage_options(args))


def _run_files(run: Any) -> tuple[str, tuple[str, ...]]:
    return run.name, tuple(run.files)


def _runs_on_nodes(
    nodes: tuple[NodeReading, ...], runs: list[tuple[str, tuple[str, ...]]]
) -> dict[str, list[str]]:
    from tfwatch.system.nodes.run_placement import place_run

    out: dict[str, list[str]] = {n.name: [] for n in nodes}
    for name, files in runs:
        node = place_run(nodes, files).node
        if node is not None:
            out[node.name].append(name)
    return out


def node_json(node: NodeReading, runs: list[str]) -> dict[str, Any]:
    """One node as ``tfwatch nodes --json`` prints it."""
    from tfwatch.text.json_numbers import json_number

    def number(value: float | None) -> float | str | None:
        return None if value is None else json_number(value)

    def gpu(g: NodeGpu) -> dict[str, Any]:
        return {
            "index": g.index,
            "uuid": g.uuid,
            "model": g.model,
            "util": number(g.util),
            "memory_used_mib": number(g.memory_used_mib),
            "memory_total_mib": number(g.memory_total_mib),
            "temperature_c": number(g.temperature_c),
            "power_w": number(g.power_w),
            "pod": g.pod,
        }

    return {
        "name": node.name,
        "source": str(node.source),
        "up": node.up,
        "error": node.error,
        "gpus": [gpu(g) for g in node.gpus or ()],
        "cpu_percent": number(node.cpu_percent),
        "memory_used_bytes": node.memory_used_bytes,
        "memory_total_bytes": node.memory_total_bytes,
        "runs": runs,
    }


def write_json(nodes: tuple[NodeReading, ...], runs: dict[str, list[str]], out: IO[str]) -> None:
    import json

    doc = {"nodes": [node_json(n, runs.get(n.name, [])) for n in nodes]}
    json.dump(doc, out, indent=2, allow_nan=False, ensure_ascii=False)
    out.write("\n")


def write_table(nodes: tuple[NodeReading, ...], runs: dict[str, list[str]], out: IO[str]) -> None:
    """An aligned table, a line per node; the errors of down nodes below it."""
    from tfwatch.text.safe_text import printable

    head = ["NODE", "SOURCE", "STATE", "GPUS", "GPU UTIL", "GPU MEM", "CPU", "MEMORY", "RUNS"]
    table = [head]
    for n in nodes:
        table.append(
            [
                printable(n.name),
                str(n.source),
                "up" if n.up else "down",
                "-" if n.gpus is None else str(len(n.gpus)),
                _mean_util(n),
                _gpu_memory(n),
                "-" if n.cpu_percent is None else f"{n.cpu_percent:.0f}%",
                _memory(n.memory_used_bytes, n.memory_total_bytes, 2**30),
                printable(", ".join(runs.get(n.name, []))) or "-",
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        cells = [
            c.ljust(w) if i in (0, 1, 2, 8) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")
    down = [n for n in nodes if n.error]
    if down:
        out.write("\n")
    for n in down:
        out.write(f"{printable(n.name)}: {printable(n.error or '')}\n")


def _mean_util(n: NodeReading) -> str:
    utils = [g.util for g in n.gpus or () if g.util is not None]
    return f"{sum(utils) / len(utils):.0f}%" if utils else "-"


def _gpu_memory(n: NodeReading) -> str:
    gpus = n.gpus or ()
    used = [g.memory_used_mib for g in gpus if g.memory_used_mib is not None]
    total = [g.memory_total_mib for g in gpus if g.memory_total_mib is not None]
    if not used or not total:
        return "-"
    return _memory(sum(used), sum(total), 1024)


def _memory(used: float | None, total: float | None, per_gib: float) -> str:
    if used is None or total is None:
        return "-"
    return f"{used / per_gib:.1f}/{total / per_gib:.1f} GiB"
