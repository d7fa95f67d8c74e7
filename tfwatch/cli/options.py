"""Options shared by several commands, each declared once.

Building the parser must not import Textual nor the readers: ``tfwatch ls`` and the
other scripting commands load only what they use.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tfwatch.analysis.grouping import GroupBy

TAGS_HELP = (
    "%s: a glob, any case; without '/' it may match the tag's last part "
    "('loss' names train/loss; repeatable)"
)


def add_roots(
    parser: argparse.ArgumentParser,
    optional: bool = False,
    what: str = "log root: PATH, URL or NAME=PATH",
) -> None:
    """``ROOT...`` (``[ROOT...]`` when ``optional``) and ``--storage-option`` (every
    command that reads log roots)."""
    parser.add_argument("roots", nargs="*" if optional else "+", metavar="ROOT", help=what)
    parser.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="storage_options",
        help="fsspec option for remote roots (repeatable; PROTOCOL.KEY=VALUE for one backend)",
    )


def storage_options(args: argparse.Namespace) -> dict[str, object]:
    """The parsed ``--storage-option`` pairs (raises ``SourceError`` on a malformed one)."""
    pairs = getattr(args, "storage_options", None)
    if not pairs:
        return {}
    from tfwatch.ingest.sources.options import parse_storage_options

    return parse_storage_options(pairs)


def node_option(text: str) -> str:
    """``--node DEST`` checked when parsed (argparse reports a malformed one)."""
    from tfwatch.ingest.sources.errors import SourceError
    from tfwatch.system.nodes.ssh_poller import parse_node_destination

    try:
        parse_node_destination(text)
    except SourceError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix(f"--node {text!r}: ")) from None
    return text


def add_ssh_node_option(parser: argparse.ArgumentParser) -> None:
    """``--node DEST`` (the app and ``ls``): nodes read over SSH besides the SSH roots' hosts."""
    parser.add_argument(
        "--node",
        action="append",
        type=node_option,
        default=[],
        metavar="DEST",
        dest="nodes",
        help="read GPUs and processes of this SSH node: [USER@]HOST (a ~/.ssh/config alias "
        "too) or ssh://[USER@]HOST[:PORT] (repeatable; each SSH root's host is read already)",
    )


def target_option(text: str) -> tuple[str, float]:
    """``--target val_acc=0.9`` → ``("val_acc", 0.9)`` (argparse reports bad ones)."""
    from tfwatch.analysis.forecast import parse_target

    try:
        return parse_target(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """The options of the app (``tfwatch ROOT...`` and ``tfwatch demo``)."""
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
        "--allow-remote-kill",
        action="store_true",
        help="let K signal a run's process on an SSH node (through its SSH connection)",
    )
    parser.add_argument(
        "--bell", action="store_true", help="ring the terminal bell when a new alert fires"
    )
    from tfwatch.cli.node_options import add_node_options

    add_node_options(parser)
    parser.add_argument(
        "--notify",
        action="store_true",
        help="desktop notification (notify-send, when present) when a new alert fires",
    )
    add_group_by(parser)


GROUP_BY_HELP = (
    "group runs: hparams (all but seed-like keys: seed, *_seed, rng, trial, run, rep, fold; "
    "[groups] seed_keys in the config), dir (parent directory), 're:REGEX' (its capture "
    "groups in the run name; (?P<name>...) names them) or KEY[,KEY] (those hparams)"
)


def add_group_by(parser: argparse.ArgumentParser) -> None:
    """``--group-by hparams|dir|re:REGEX|KEY[,KEY]`` (the app, ``ls``, ``report``)."""
    parser.add_argument("--group-by", metavar="HOW", default=None, help=GROUP_BY_HELP)


def group_by(args: argparse.Namespace, seed_keys: tuple[str, ...] | None = None) -> GroupBy | None:
    """The parsed ``--group-by`` (None when not given; raises ``GroupByError``, one line)."""
    text = getattr(args, "group_by", None)
    if text is None:
        return None
    from tfwatch.analysis.grouping import SEED_KEYS, parse_group_by

    return parse_group_by(text, seed_keys if seed_keys is not None else SEED_KEYS)
