"""``tfwatch report``: compare runs (choices and rendering: :mod:`.reporting`)."""

from __future__ import annotations

import argparse

from tfwatch.cli.options import add_group_by, add_roots, group_by, storage_options
from tfwatch.ingest.allocator import collector_paused


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``report ROOT... [--baseline RUN] [--metric TAG] [--format md|html|json|csv] …``."""
    rp = sub.add_parser("report", help="compare runs: Markdown for a PR, HTML, JSON or CSV")
    add_roots(rp)
    rp.add_argument("--baseline", metavar="RUN_OR_REGEX", help="the run the others are compared to")
    rp.add_argument(
        "--metric", action="append", metavar="TAG", help="metric (tag or glob; repeatable)"
    )
    rp.add_argument("--format", choices=("md", "html", "json", "csv"), default="md")
    rp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    rp.add_argument("--run", metavar="REGEX", help="only runs whose name matches")
    rp.add_argument("--target", metavar="TAG=VALUE", help="who reached this value first")
    rp.add_argument("--config", metavar="FILE", help="health config (TOML)")
    add_group_by(rp)
    rp.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the roots once, render the comparison, write it."""
    spec = group_by(args)
    if spec is not None and args.format not in ("md", "html"):
        from tfwatch.errors import UsageError

        raise UsageError("--group-by adds group tables to md and html; use ls --group-by --json")
    with collector_paused():
        from tfwatch.cli.reporting import run_report

    return run_report(
        args.roots, args.format, args.metric, args.baseline, args.target, args.output,
        args.config, args.run, storage_options(args), spec,
    )  # fmt: skip
