"""Command line: ``tfwatch [ROOT...]`` opens the app; subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

from tfwatch import __version__
from tfwatch.ingest.sources.errors import SourceError

COMMANDS = ("ls", "export", "demo", "check", "report")
ONE_SHOT = ("ls", "export", "check", "report")  # read, print, end: no app, no children
TAGS_HELP = (
    "%s: a glob, any case; without '/' it may match the tag's last part "
    "('loss' names train/loss; repeatable)"
)


def _add_roots(p: argparse.ArgumentParser) -> None:
    p.add_argument("roots", nargs="+", metavar="ROOT", help="log root: PATH, URL or NAME=PATH")
    _add_storage_options(p)


def _add_storage_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="storage_options",
        help="fsspec option for remote roots (repeatable; PROTOCOL.KEY=VALUE for one backend)",
    )


def _storage_options(args: argparse.Namespace) -> dict[str, object]:
    pairs = getattr(args, "storage_options", None)
    if not pairs:
        return {}
    from tfwatch.ingest.sources.options import parse_storage_options

    return parse_storage_options(pairs)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """For a command's imports: the modules it loads allocate tens of thousands of objects
    that live as long as the process, and the ~50 collections they would set off free
    nothing (~10 ms of ``tfwatch ls``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand (the app's options live on ``tfwatch [ROOT...]``)."""
    parser = argparse.ArgumentParser(
        prog="tfwatch",
        description="Watch many TensorBoard training runs at once.",
        epilog="tfwatch ROOT... [--metric TAG] [--interval S] ... opens the app on the roots "
        "(options: tfwatch ROOT --help). Try it on simulated runs: tfwatch demo.",
    )
    parser.add_argument("--version", action="version", version=f"tfwatch {__version__}")
    sub = parser.add_subparsers(dest="command")

    ls = sub.add_parser("ls", help="one row per run")
    _add_roots(ls)
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", const="json", dest="format")
    fmt.add_argument("--csv", action="store_const", const="csv", dest="format")
    ls.add_argument("--tags", action="append", metavar="GLOB", help=TAGS_HELP % "tag columns")

    ex = sub.add_parser("export", help="every scalar point as JSON or CSV")
    _add_roots(ex)
    ex.add_argument("--run", metavar="REGEX", help="only runs whose name matches")
    ex.add_argument("--tags", action="append", metavar="GLOB", help=TAGS_HELP % "only these tags")
    ex.add_argument("--format", choices=("json", "csv"), default="json")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    ck = sub.add_parser(
        "check",
        help="health alerts; exit 1 on the kinds given to --fail-on",
        description="Print the health alerts and damaged event files of every run; exit 1 "
        "when one of the --fail-on kinds is present, 0 otherwise, 2 on bad input. A file "
        "modified in the last 3 minutes that ends part-way through a record is an incomplete "
        "tail (its writer has not flushed yet): listed, never damage, never a failure.",
    )
    _add_roots(ck)
    ck.add_argument(
        "--fail-on", default="nan,diverging", metavar="KIND,...",
        help="alert kinds that fail the check (default nan,diverging; 'all' for every kind); "
        "'damage' fails on damaged event files (CRC mismatches, torn or undecodable records)",
    )  # fmt: skip
    ck.add_argument("--json", action="store_true", help="alerts as JSON")
    ck.add_argument("--config", metavar="FILE", help="detector thresholds (TOML)")

    _add_demo_parser(sub)

    rp = sub.add_parser("report", help="compare runs: Markdown for a PR, HTML, JSON or CSV")
    _add_roots(rp)
    rp.add_argument("--baseline", metavar="RUN_OR_REGEX", help="the run the others are compared to")
    rp.add_argument(
        "--metric", action="append", metavar="TAG", help="metric (tag or glob; repeatable)"
    )
    rp.add_argument("--format", choices=("md", "html", "json", "csv"), default="md")
    rp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    rp.add_argument("--run", metavar="REGEX", help="only runs whose name matches")
    rp.add_argument("--target", metavar="TAG=VALUE", help="who reached this value first")
    rp.add_argument("--config", metavar="FILE", help="health config (TOML)")
    return parser


def _add_demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from tfwatch.app_options import add_app_options

    demo = sub.add_parser("demo", help="simulated trainers writing real event files, live")
    demo.add_argument("--write-only", metavar="DIR", help="write the demo runs into DIR and exit")
    demo.add_argument("--steps", type=int, default=4000, metavar="N", help="steps per run")
    demo.add_argument("--fast", action="store_true", help="write without pauses")
    add_app_options(demo)


def _is_app_call(args_list: list[str]) -> bool:
    """``tfwatch /logs …``: the first argument is neither a subcommand nor a global flag."""
    return bool(args_list) and args_list[0] not in (*COMMANDS, "-h", "--help", "--version")


def _app(args_list: list[str]) -> int:
    from tfwatch.app_options import app_parser
    from tfwatch.ui.launch import create_app

    args = app_parser().parse_args(args_list)
    create_app(args.roots, args).run()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tfwatch.demo import run_demo

    return run_demo(args.write_only, args.steps, args.fast, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if _is_app_call(args_list):
        try:
            return _app(args_list)
        except SourceError as e:
            print(f"tfwatch: {e}", file=sys.stderr)
            return 2
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        if args.command == "ls":
            return _ls(args)
        if args.command == "export":
            return _export(args)
        if args.command == "report":
            return _report(args)
        if args.command == "check":
            return _check(args)
        if args.command == "demo":
            return _demo(args)
    except SourceError as e:
        print(f"tfwatch: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # standard output on a full disk, a closed terminal...
        print(f"tfwatch: {_os_error(e)}", file=sys.stderr)
        return 1
    parser.print_help()
    return 2


def _os_error(e: OSError) -> str:
    """One line for an error no command turned into a message of its own."""
    if e.filename:
        return f"{e.filename}: {e.strerror or e}"
    if e.errno in _OUTPUT_ERRNOS:
        return f"cannot write the output: {e.strerror}"
    return str(e)


_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}


def run() -> NoReturn:
    """The ``tfwatch`` command and ``python -m tfwatch``."""
    # tfwatch does no linear algebra: NumPy's OpenBLAS need not start a thread per core
    # when it is imported (a few milliseconds of every command's start).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args_list = sys.argv[1:]
    code = main(args_list)
    if args_list and args_list[0] in ONE_SHOT:
        _exit_at_once(code)
    sys.exit(code)


def _exit_at_once(code: int) -> NoReturn:
    """End a one-shot command without tearing the interpreter down.

    Freeing every module and object one by one took ~40 ms after ``tfwatch ls`` (NumPy,
    the decoder, the store), as long as the load of a small logdir. Nothing is left
    undone by skipping it: the commands close their output files, worker processes and
    temporary directories are done with before the command returns; the standard
    streams are flushed here, and a failed flush is reported as it would be while
    writing."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader has gone (``| head``): what it wanted, it got
    except OSError as e:
        print(f"tfwatch: {_os_error(e)}", file=sys.stderr)
        code = code or 1
    except ValueError:  # standard output closed by the command: nothing left to write
        pass
    with suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


def _ls(args: argparse.Namespace) -> int:
    with _collector_paused():
        from tfwatch.commands.listing import emit, finished_row, listed
        from tfwatch.loading import summarize_once

    scanned: list[Any] = []

    def scan() -> None:
        # State and writer PID come from this host's processes (one scan, as the table
        # shows them): scanned, and the modules that judge them loaded, while worker
        # processes read the files.
        with _collector_paused():
            import tfwatch.system.state_tracker  # noqa: F401
        from tfwatch.system.processes import scan_processes

        scanned.append(scan_processes())

    from functools import partial

    summarize = partial(listed, args.tags)
    runs = summarize_once(
        args.roots, summarize, storage_options=_storage_options(args), meanwhile=scan
    )
    from tfwatch.system.state_tracker import assess_runs
    from tfwatch.tag_patterns import select_tags, warn_unmatched

    tags = select_tags((t for r in runs for t in r.row["metrics"]), args.tags)
    if args.tags:
        warn_unmatched("--tags", args.tags, (t for r in runs for t in r.tags), sys.stderr)
    states = assess_runs([r.inputs for r in runs], table=scanned[0] if scanned else None)
    rows = [finished_row(r.row, tags, states[r.row["name"]][1].as_json()) for r in runs]
    emit(rows, tags, args.format or "table")
    return 0


def _export(args: argparse.Namespace) -> int:
    with _collector_paused():
        from tfwatch.commands.export import write_export_csv, write_export_json
        from tfwatch.loading import load_once

    tailer = load_once(
        args.roots, retain_all=True, run_pattern=args.run, storage_options=_storage_options(args)
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
            raise SourceError(f"{args.output}: {e.strerror or e}") from e
    else:
        write(runs, args.tags, sys.stdout)
    return 0


def _report(args: argparse.Namespace) -> int:
    with _collector_paused():
        from tfwatch.commands.report import run_report

    return run_report(
        args.roots, args.format, args.metric, args.baseline, args.target, args.output,
        args.config, args.run, _storage_options(args),
    )  # fmt: skip


def _check(args: argparse.Namespace) -> int:
    with _collector_paused():
        from tfwatch.commands.check import parse_kinds, run_check

    return run_check(
        args.roots, parse_kinds(args.fail_on), args.json, args.config, _storage_options(args)
    )
