"""``tfwatch export``: every scalar point as JSON or CSV (formats: :mod:`.export_writers`)."""

from __future__ import annotations

import argparse
import sys

from tfwatch.cli.options import TAGS_HELP, add_roots, storage_options
from tfwatch.errors import OutputError
from tfwatch.ingest.allocator import collector_paused


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export ROOT... [--run REGEX] [--tags GLOB] [--format json|csv] [-o FILE]``."""
    ex = sub.add_parser("export", help="every scalar point as JSON or CSV")
    add_roots(ex)
    ex.add_argument("--run", metavar="REGEX", help="only runs whose name matches")
    ex.add_argument("--tags", action="append", metavar="GLOB", help=TAGS_HELP % "only these tags")
    ex.add_argument("--format", choices=("json", "csv"), default="json")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    ex.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read every point of the roots once and write them out."""
    with collector_paused():
        from tfwatch.cli.export_writers import write_export_csv, write_export_json
        from tfwatch.loading import load_once

    tailer = load_once(
        args.roots, retain_all=True, run_pattern=args.run, storage_options=storage_options(args)
    )
    runs = list(tailer.runs.values())
    if args.tags:
        from tfwatch.tag_patterns import warn_unmatched

        warn_unmatched("--tags", args.tags, (t for r in runs for t in r.scalars), sys.stderr)
    write = write_export_csv if args.format == "csv" else write_export_json
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write(runs, args.tags, out)
        except OSError as e:
            raise OutputError(f"{args.output}: {e.strerror or e}") from e
    else:
        write(runs, args.tags, sys.stdout)
    return 0
