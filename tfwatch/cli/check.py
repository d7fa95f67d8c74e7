"""``tfwatch check``: health alerts for CI (the check itself: :mod:`.health_check`)."""

from __future__ import annotations

import argparse

from tfwatch.cli.options import add_cache_options, add_roots, run_cache, storage_options
from tfwatch.ingest.allocator import collector_paused


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``check ROOT... [--fail-on KIND,...] [--json] [--config FILE]``."""
    ck = sub.add_parser(
        "check",
        help="health alerts; exit 1 on the kinds given to --fail-on",
        description="Print the health alerts and damaged event files of every run; exit 1 "
        "when one of the --fail-on kinds is present, 0 otherwise, 2 on bad input. A file "
        "modified in the last 3 minutes that ends part-way through a record is an incomplete "
        "tail (its writer has not flushed yet): listed, never damage, never a failure.",
    )
    add_roots(ck)
    add_cache_options(ck)
    ck.add_argument(
        "--fail-on", default="nan,diverging", metavar="KIND,...",
        help="alert kinds that fail the check (default nan,diverging; 'all' for every kind); "
        "'damage' fails on damaged event files (CRC mismatches, torn or undecodable records)",
    )  # fmt: skip
    ck.add_argument(
        "--since", metavar="DURATION", type=_duration,
        help="only alerts whose condition began in the last DURATION (30m, 2h, 1d): "
        "leave out what was already there",
    )  # fmt: skip
    ck.add_argument("--json", action="store_true", help="alerts as JSON")
    ck.add_argument("--config", metavar="FILE", help="detector thresholds (TOML)")
    ck.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the check; the exit status says whether it failed."""
    with collector_paused():
        from tfwatch.cli.health_check import parse_kinds, run_check

    return run_check(
        args.roots, parse_kinds(args.fail_on), args.json, args.config, storage_options(args),
        since=args.since, cache=run_cache(args),
    )  # fmt: skip


def _duration(text: str) -> float:
    from tfwatch.text.durations import parse_duration

    seconds = parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 30m, 2h, 1d)")
    return seconds
