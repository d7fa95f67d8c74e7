"""The node-source options (``--prometheus``, ``--prometheus-header``) of ``nodes``,
``ls`` and the app, and reading the nodes once for a one-shot command."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tfwatch.model.nodes import NodeReading
    from tfwatch.system.nodes.poller import NodePoller

# (The names of the environment variables, as live.node_sources reads them: that module
# is not imported while the parser is built.)
URL_ENV = "TFWATCH_PROMETHEUS_URL"
HEADERS_ENV = "TFWATCH_PROMETHEUS_HEADERS"


def add_node_options(parser: argparse.ArgumentParser) -> None:
    """``--prometheus URL`` and ``--prometheus-header 'Name: value'`` (both repeatable)."""
    parser.add_argument(
        "--prometheus",
        action="append",
        default=[],
        metavar="URL",
        help=f"read GPUs, CPU, memory and pods of the cluster's nodes from this Prometheus "
        f"server (repeatable; default ${URL_ENV})",
    )
    parser.add_argument(
        "--prometheus-header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        dest="prometheus_headers",
        help="HTTP header for Prometheus, e.g. 'Authorization: Bearer TOKEN' (repeatable; "
        f"never printed; ${HEADERS_ENV}, one per line, keeps it out of the process list)",
    )


def node_pollers(args: argparse.Namespace) -> list[NodePoller]:
    """The pollers the options and environment ask for (none: an empty list)."""
    urls = getattr(args, "prometheus", [])
    if not urls and not os.environ.get(URL_ENV, "").replace(",", " ").split():
        # None asked for (the usual ``ls``): the analysis package and the HTTP client
        # that the node sources import would cost a tenth of a second of start-up.
        return []
    from tfwatch.live.node_sources import node_pollers as pollers

    return pollers(
        getattr(args, "prometheus", []),
        getattr(args, "prometheus_headers", []),
        getattr(args, "config", None),
    )


def cluster_pollers(args: argparse.Namespace, local: bool = True) -> list[NodePoller]:
    """This machine (``local``), each SSH node (the SSH roots' hosts and ``--node``),
    then the Prometheus servers: every node source the command line names."""
    from tfwatch.ingest.sources.options import parse_storage_options
    from tfwatch.system.nodes.local import LocalNodePoller
    from tfwatch.system.nodes.ssh_poller import ssh_node_pollers

    pollers: list[NodePoller] = [LocalNodePoller()] if local else []
    roots = getattr(args, "roots", None) or []
    pollers += ssh_node_pollers(
        roots,
        getattr(args, "nodes", []),
        parse_storage_options(getattr(args, "storage_options", None) or []),
    )
    return pollers + node_pollers(args)


def read_nodes(pollers: list[NodePoller]) -> tuple[NodeReading, ...]:
    """Every source polled once, side by side; the first failing source's error raised
    (one line, exit 2)."""
    from tfwatch.system.nodes.cluster import ClusterMonitor
    from tfwatch.system.nodes.errors import NodeSourceError

    monitor = ClusterMonitor(pollers)
    try:
        snapshot = monitor.poll_once()
    finally:
        monitor.stop(timeout=0.0)
    if snapshot.failing:
        raise NodeSourceError(snapshot.failing[0].error)
    answered = snapshot.polls
    if answered < len(pollers):
        raise NodeSourceError("a node source gave no answer in time")
    return snapshot.nodes
