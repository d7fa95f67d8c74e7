"""Options of ``tfwatch [ROOT...]`` and ``tfwatch demo``, kept apart from the app.

Building the command-line parser must not import Textual: ``tfwatch ls`` and the other
scripting commands never load the UI.
"""

from __future__ import annotations

import argparse


def target_option(text: str) -> tuple[str, float]:
    """``--target val_acc=0.9`` → ``("val_acc", 0.9)`` (argparse reports bad ones)."""
    from tfwatch.analysis.forecast import parse_target

    try:
        return parse_target(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``tfwatch [ROOT...]`` (shared with ``tfwatch demo``)."""
    parser.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="TAG",
        help="metric column (repeatable; default: the most common *loss* tag)",
    )
    parser.add_argument(
        "--maximize",
        action="append",
        default=[],
        metavar="TAG",
        help="higher is better for this tag or glob (repeatable)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="refresh interval (default 1)",
    )
    parser.add_argument(
        "--readonly",
        action="store_true",
        help="only read: never act on runs or processes (no SIGTERM/SIGKILL)",
    )
    parser.add_argument(
        "--target",
        action="append",
        type=target_option,
        default=[],
        metavar="TAG=VALUE",
        help="show the steps until TAG reaches VALUE, e.g. val_acc=0.9 (repeatable)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help="health thresholds (TOML; default ~/.config/tfwatch/config.toml if present)",
    )
    parser.add_argument(
        "--bell", action="store_true", help="ring the terminal bell when a new alert fires"
    )
    parser.add_argument(
        "--notify",
        action="store_true",
        help="desktop notification (notify-send, when present) when a new alert fires",
    )


def app_parser() -> argparse.ArgumentParser:
    """The parser of ``tfwatch ROOT... [options]``."""
    parser = argparse.ArgumentParser(
        prog="tfwatch",
        description="Watch many TensorBoard training runs at once. "
        "Subcommands: ls, export, report, check, demo (tfwatch demo -h).",
    )
    parser.add_argument("roots", nargs="+", metavar="ROOT", help="log root: PATH, URL or NAME=PATH")
    parser.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="storage_options",
        help="fsspec option for remote roots",
    )
    add_app_options(parser)
    return parser
