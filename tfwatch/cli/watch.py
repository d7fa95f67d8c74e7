"""``tfwatch ROOT...``: the app on the roots (a command line that names no command)."""

from __future__ import annotations

import argparse

from tfwatch.cli.options import add_app_options, add_node_options, add_roots

NAME = "watch"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The app's parser: not listed among the commands, reached by bare roots."""
    parser = sub.add_parser(
        NAME,
        prog="tfwatch",
        description="Watch many TensorBoard training runs at once. "
        "Subcommands: ls, export, report, check, demo (tfwatch demo -h).",
    )
    add_roots(parser)
    add_node_options(parser)
    add_app_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Open the app until the user quits (raises ``TfwatchError`` before it opens)."""
    from tfwatch.ui.launch import create_app

    create_app(args.roots, args).run()
    return 0
