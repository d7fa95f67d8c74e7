"""``tfwatch exporter``: run health as Prometheus metrics (the service: :mod:`tfwatch.exporter`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from tfwatch.cli.options import TAGS_HELP, add_roots, storage_options
from tfwatch.exporter import DEFAULT_LISTEN

DESCRIPTION = (
    "Tail the roots with the same engine as the app and serve Prometheus metrics at "
    "/metrics: per run (labels run, root) tfwatch_run_last_step, "
    "tfwatch_run_steps_per_second, tfwatch_run_last_write_timestamp_seconds, "
    "tfwatch_run_state{state}, tfwatch_run_alerts{kind}, and tfwatch_scalar_last/best{tag} "
    "for the tags chosen with --tags (20 at most); the exporter's own health: "
    "tfwatch_roots_failing, tfwatch_root_up, tfwatch_poll_duration_seconds, "
    "tfwatch_read_bytes_total. It only reads the roots. Example alerting rules and a "
    "Grafana dashboard: docs/alerting.md."
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``exporter ROOT... [--listen HOST:PORT] [--tags GLOB...] [--once]``."""
    ex = sub.add_parser(
        "exporter", help="serve run health as Prometheus metrics", description=DESCRIPTION
    )
    add_roots(ex)
    ex.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address to serve /metrics on (default {DEFAULT_LISTEN}: this host only; "
        "0.0.0.0:9109 for every interface; port 0 picks a free one)",
    )
    ex.add_argument(
        "--tags", nargs="+", default=[], metavar="GLOB", help=TAGS_HELP % "tags to export"
    )
    ex.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS",
        help="seconds between polls of the roots (default 2)",
    )  # fmt: skip
    ex.add_argument("--config", metavar="FILE", help="health thresholds (TOML)")
    ex.add_argument(
        "--once",
        action="store_true",
        help="read the roots once, print the metrics in the text format and exit "
        "(for node_exporter's textfile collector or cron)",
    )
    ex.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT (or print once); errors become one line."""
    from tfwatch.analysis.config import load_config
    from tfwatch.errors import UsageError
    from tfwatch.exporter.service import Exporter, parse_listen
    from tfwatch.live.factory import open_session

    address = parse_listen(args.listen)
    if args.interval <= 0:
        raise UsageError("--interval must be positive")
    session = open_session(
        args.roots,
        storage_options=storage_options(args),
        wait_for_missing=True,
        metrics=(),
        interval=args.interval,
        health_config=load_config(args.config),
    )
    exporter = Exporter(session, args.tags)
    if args.once:
        ready = exporter.render_once(sys.stdout.buffer)
        return 0 if ready else 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    exporter.serve(address, stop, on_listening=sys.stderr)
    return 0
