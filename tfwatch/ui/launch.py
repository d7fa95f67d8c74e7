"""Build and run the app for the command line, the demo, tests and screenshots."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp


def create_app(roots: Sequence[str], args: argparse.Namespace, **kwargs: Any) -> TfwatchApp:
    """The app over ``roots`` with the parsed options (raises ``SourceError`` or
    ``ConfigError``, which the command line reports)."""
    options: dict[str, object] | None = None
    if getattr(args, "storage_options", None):
        from tfwatch.ingest.sources.options import parse_storage_options

        options = parse_storage_options(args.storage_options)
    from tfwatch.analysis.config import load_config

    config = load_config(getattr(args, "config", None))
    from tfwatch.live.node_sources import node_pollers

    pollers = node_pollers(
        getattr(args, "prometheus", []),
        getattr(args, "prometheus_headers", []),
        getattr(args, "config", None),
    )
    from tfwatch.system.nodes.ssh_poller import ssh_node_pollers

    # Every SSH root's host and every --node are read over SSH, before Prometheus.
    pollers = [*ssh_node_pollers(roots, getattr(args, "nodes", []), options), *pollers]
    # A root that is not there yet is waited for, as TensorBoard does, beside roots that
    # are; a lone missing root is a mistake worth an exit status.
    session = open_session(
        roots,
        storage_options=options,
        wait_for_missing=True,
        metrics=args.metric,
        maximize=args.maximize,
        interval=max(0.1, args.interval),
        targets=tuple(getattr(args, "target", ())),
        health_config=config,
        node_pollers=pollers,
        node_interval=max(2.0, args.interval),
        **kwargs,
    )
    return TfwatchApp(
        session,
        readonly=args.readonly,
        bell=getattr(args, "bell", False),
        desktop_notify=getattr(args, "notify", False),
        allow_remote_kill=getattr(args, "allow_remote_kill", False),
    )
