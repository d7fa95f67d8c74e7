"""``tfwatch demo``: simulated trainers writing real event files, and the app on them."""

from __future__ import annotations

import argparse

from tfwatch.cli.options import add_app_options


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``demo [--write-only DIR] [--steps N] [--fast]`` and the app's options."""
    demo = sub.add_parser("demo", help="simulated trainers writing real event files, live")
    demo.add_argument("--write-only", metavar="DIR", help="write the demo runs into DIR and exit")
    demo.add_argument("--steps", type=int, default=4000, metavar="N", help="steps per run")
    demo.add_argument("--fast", action="store_true", help="write without pauses")
    add_app_options(demo)
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the demo runs, or run them live under the app."""
    from tfwatch.demo import run_demo

    return run_demo(args.write_only, args.steps, args.fast, args)
