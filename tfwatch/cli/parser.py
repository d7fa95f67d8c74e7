"""The one parser: a subcommand per module; a command line that names none opens the app.

``tfwatch ROOT... [options]`` has no subcommand word, so :func:`parse_args` puts the
hidden ``watch`` command in front of it before argparse sees it (a root may then be
called ``watch`` or ``demo/..``: only the first argument is looked at).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tfwatch import __version__
from tfwatch.cli import check, demo, export, exporter, ls, nodes, report, serve, watch

#: The commands listed in ``tfwatch --help``, in that order.
COMMANDS = ("ls", "export", "check", "demo", "report", "nodes", "exporter", "serve")
#: Read, print, end: no app, no child processes left (``run`` exits at once after them).
ONE_SHOT = ("ls", "export", "check", "report", "nodes")


def build_parser() -> argparse.ArgumentParser:
    """``tfwatch`` with every subcommand, the app's ``watch`` included (not listed)."""
    parser = argparse.ArgumentParser(
        prog="tfwatch",
        description="Watch many TensorBoard training runs at once.",
        epilog="tfwatch ROOT... [--metric TAG] [--interval S] ... opens the app on the roots "
        "(options: tfwatch ROOT --help). Try it on simulated runs: tfwatch demo.",
    )
    parser.add_argument("--version", action="version", version=f"tfwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    for command in (ls, export, check, demo, report, nodes, exporter, serve, watch):
        command.add_parser(sub)
    return parser


def is_app_call(argv: Sequence[str]) -> bool:
    """``tfwatch /logs …``: the first argument is neither a subcommand nor a global flag."""
    return bool(argv) and argv[0] not in (*COMMANDS, "-h", "--help", "--version")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse a whole command line (``handler`` is the command's ``run``; ``command`` is
    None when none was named)."""
    args = list(argv)
    if is_app_call(args):
        args.insert(0, watch.NAME)
    return build_parser().parse_args(args)
