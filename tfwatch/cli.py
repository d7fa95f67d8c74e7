"""Command line: ``tfwatch [ROOT...]`` opens the app; subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tfwatch import __version__
from tfwatch.ingest.sources import SourceError

COMMANDS = ("ls", "export", "demo", "check", "report")


def _add_roots(p: argparse.ArgumentParser) -> None:
    p.add_argument("roots", nargs="+", metavar="ROOT", help="log root: PATH, URL or NAME=PATH")


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand (the app's options live on ``tfwatch [ROOT...]``)."""
    parser = argparse.ArgumentParser(
        prog="tfwatch", description="Watch many TensorBoard training runs at once."
    )
    parser.add_argument("--version", action="version", version=f"tfwatch {__version__}")
    sub = parser.add_subparsers(dest="command")

    ls = sub.add_parser("ls", help="one row per run")
    _add_roots(ls)
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", const="json", dest="format")
    fmt.add_argument("--csv", action="store_const", const="csv", dest="format")
    ls.add_argument("--tags", action="append", metavar="GLOB", help="tag columns (repeatable)")

    ex = sub.add_parser("export", help="every scalar point as JSON or CSV")
    _add_roots(ex)
    ex.add_argument("--run", metavar="REGEX", help="only runs whose name matches")
    ex.add_argument("--tags", action="append", metavar="GLOB", help="only these tags")
    ex.add_argument("--format", choices=("json", "csv"), default="json")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        if args.command == "ls":
            return _ls(args)
        if args.command == "export":
            return _export(args)
    except SourceError as e:
        print(f"tfwatch: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    parser.print_help()
    return 2


def _ls(args: argparse.Namespace) -> int:
    from tfwatch.commands.listing import emit, run_row, select_tags
    from tfwatch.loading import load_once

    tailer = load_once(args.roots)
    runs = sorted(tailer.runs.values(), key=lambda r: r.name)
    tags = select_tags(runs, args.tags)
    rows = [run_row(r, tags) for r in runs]
    emit(rows, tags, args.format or "table")
    return 0


def _export(args: argparse.Namespace) -> int:
    from tfwatch.commands.export import write_export_csv, write_export_json
    from tfwatch.loading import load_once

    tailer = load_once(args.roots, retain_all=True, run_pattern=args.run)
    runs = list(tailer.runs.values())
    write = write_export_csv if args.format == "csv" else write_export_json
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                write(runs, args.tags, out)
        except OSError as e:
            raise SourceError(f"{args.output}: {e.strerror or e}") from e
    else:
        write(runs, args.tags, sys.stdout)
    return 0
