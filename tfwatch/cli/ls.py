"""``tfwatch ls``: one row per run, as a table, JSON or CSV (rows: :mod:`.listing`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tfwatch.cli.node_options import add_node_options, node_pollers, read_nodes
from tfwatch.cli.options import (
    TAGS_HELP,
    add_cache_options,
    add_group_by,
    add_roots,
    add_ssh_node_option,
    group_by,
    run_cache,
    storage_options,
)
from tfwatch.ingest.allocator import collector_paused


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ls ROOT... [--json | --csv] [--tags GLOB]``."""
    ls = sub.add_parser("ls", help="one row per run")
    add_roots(ls)
    add_ssh_node_option(ls)
    add_cache_options(ls)
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", const="json", dest="format")
    fmt.add_argument("--csv", action="store_const", const="csv", dest="format")
    ls.add_argument("--tags", action="append", metavar="GLOB", help=TAGS_HELP % "tag columns")
    add_group_by(ls)
    add_node_options(ls)
    ls.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read the roots once and print a row per run (or per group, with ``--group-by``)."""
    spec = group_by(args)
    if spec is not None and args.format == "csv":
        from tfwatch.errors import UsageError

        raise UsageError("--group-by prints a table or --json, not --csv")
    with collector_paused():
        from tfwatch.cli.listing import emit, finished_row, listed
        from tfwatch.loading import summarize_once

    scanned: list[Any] = []
    pollers = node_pollers(args)
    polled: list[Any] = []

    def poll_nodes() -> None:
        try:
            polled.append(read_nodes(pollers))
        except BaseException as e:  # raised again on the main thread
            polled.append(e)

    if pollers:
        # Nodes are asked while the roots are read: the command waits for the slower.
        import threading

        nodes_thread = threading.Thread(target=poll_nodes, name="nodes", daemon=True)
        nodes_thread.start()

    def scan() -> None:
        # State and writer PID come from this host's processes (one scan, as the table
        # shows them): scanned, and the modules that judge them loaded, while worker
        # processes read the files.
        with collector_paused():
            import tfwatch.system.state_tracker  # noqa: F401
        from tfwatch.system.processes import scan_processes

        scanned.append(scan_processes())

    from functools import partial

    # Groups need every run's figures to pick the default tag from (as the app does).
    summarize = partial(listed, args.tags or (["*"] if spec is not None else None))
    runs = summarize_once(
        args.roots,
        summarize,
        storage_options=storage_options(args),
        meanwhile=scan,
        cache=run_cache(args),
    )
    from tfwatch.system.state_tracker import assess_runs
    from tfwatch.tag_patterns import select_tags, warn_unmatched

    if spec is not None:
        from tfwatch.cli.group_listing import emit_groups

        emit_groups([r.row for r in runs], spec, args.tags, args.format or "table")
        return 0
    tags = select_tags((t for r in runs for t in r.row["metrics"]), args.tags)
    if args.tags:
        warn_unmatched("--tags", args.tags, (t for r in runs for t in r.tags), sys.stderr)
    states = assess_runs([r.inputs for r in runs], table=scanned[0] if scanned else None)
    if pollers:
        nodes_thread.join()
        if isinstance(polled[0], BaseException):
            raise polled[0]
    rows = [
        finished_row(
            r.row,
            tags,
            _placed(
                r.inputs[0].event_files, states[r.row["name"]][1], polled[0] if pollers else None
            ),
        )
        for r in runs
    ]
    emit(rows, tags, args.format or "table")
    return 0


def _placed(event_files: Any, state: Any, nodes: Any) -> dict[str, Any]:
    """The state's fields (a remote run's from its pod's phase, when known), the
    writer's ``host`` and, when nodes were read, the run's ``node`` and the mean
    ``gpu_util`` of its own GPUs (null when unknown)."""
    from tfwatch.system.nodes.run_placement import place_run, with_pod_phase
    from tfwatch.text.json_numbers import json_number

    placement = place_run(nodes or (), event_files)
    out: dict[str, Any] = with_pod_phase(state, placement).as_json()
    out["host"] = placement.host
    if nodes is not None:
        out["node"] = placement.node.name if placement.node is not None else None
        util = placement.gpu_util
        out["gpu_util"] = None if util is None else json_number(round(util, 1))
    return out
