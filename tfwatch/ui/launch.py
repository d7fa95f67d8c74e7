"""Build and run the app for the command line, the demo, tests and screenshots."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from tfwatch.live.facade import parse_group_by
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp


def create_app(roots: Sequence[str], args: argparse.Namespace, **kwargs: Any) -> TfwatchApp:
    """The app over ``roots`` with the parsed options (raises ``SourceError`` or
    ``ConfigError``, which the command line reports)."""
    options: dict[str, object] | None = None
    if getattr(args, "storage_options", None):
        from tfwatch.live.facade import parse_storage_options

        options = parse_storage_options(args.storage_options)
    from tfwatch.live.facade import load_config

    config = load_config(getattr(args, "config", None))
    text = getattr(args, "group_by", None)
    grouping = parse_group_by(text, config.seed_keys) if text is not None else None
    from tfwatch.live.node_sources import node_pollers, ssh_pollers

    pollers = node_pollers(
        getattr(args, "prometheus", []),
        getattr(args, "prometheus_headers", []),
        getattr(args, "config", None),
    )
    # Every SSH root's host and every --node are read over SSH, before Prometheus.
    pollers = [*ssh_pollers(roots, getattr(args, "nodes", []), options or {}), *pollers]
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
    from tfwatch.ui.actions.alert_mutes import AlertMutes, default_mutes_path

    # Read before the app starts: the UI thread never waits on a file.
    mutes = AlertMutes.load(default_mutes_path())
    if mutes.problem:
        print(f"tfwatch: {mutes.problem}", file=sys.stderr)
    return TfwatchApp(
        session,
        readonly=args.readonly,
        bell=getattr(args, "bell", False),
        desktop_notify=getattr(args, "notify", False),
        alert_mutes=mutes,
        group_by=grouping,
        allow_remote_kill=getattr(args, "allow_remote_kill", False),
    )
