"""``tfwatch serve``: the app in a browser tab, read-only (the server: :mod:`.web_sessions`)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from tfwatch.cli.options import add_roots

#: The environment variable that may hold the token instead of ``--token``.
TOKEN_ENV = "TFWATCH_SERVE_TOKEN"

DESCRIPTION = (
    "Serve the app to browser tabs through textual-serve, read-only (no signals to "
    "processes). Each tab runs its own tfwatch process reading the roots, so the number "
    "of tabs is capped (--max-sessions). It listens on 127.0.0.1 unless told; another "
    f"address needs a token (--token or ${TOKEN_ENV}; open http://HOST:PORT/?token=T) "
    "or an explicit --no-auth."
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``serve ROOT... [--host H] [--port P] [--token T] [--no-auth] [--max-sessions N]``."""
    sv = sub.add_parser(
        "serve", help="the app in a browser tab (read-only)", description=DESCRIPTION
    )
    add_roots(sv)
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sv.add_argument(
        "--token", default=None, help=f"token a browser must give (default: ${TOKEN_ENV})"
    )
    sv.add_argument(
        "--no-auth", action="store_true",
        help="serve another address than localhost without a token (anyone who can reach it "
        "sees the runs)",
    )  # fmt: skip
    sv.add_argument(
        "--max-sessions", type=int, default=4, metavar="N",
        help="browser tabs open at once, each one a tfwatch process (default 4)",
    )  # fmt: skip
    sv.add_argument(
        "--metric", action="append", default=[], metavar="TAG", help="metric column (repeatable)"
    )
    sv.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                    help="refresh interval of each session (default 1)")  # fmt: skip
    sv.add_argument("--config", metavar="FILE", default=None, help="health thresholds (TOML)")
    sv.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    import ipaddress  # (not at import: every command's parser imports this module)

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs per tab: this interpreter, the app on the
    roots, ``--readonly`` always."""
    argv = [sys.executable, "-m", "tfwatch", *args.roots, "--readonly"]
    argv += ["--interval", str(args.interval)]
    for tag in args.metric:
        argv += ["--metric", tag]
    if args.config:
        argv += ["--config", args.config]
    for pair in args.storage_options:
        argv += ["--storage-option", pair]
    # exec: the shell becomes the app, so stopping the session stops the app itself.
    return "exec " + shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    """Check the options, then serve until SIGINT or SIGTERM."""
    from tfwatch.errors import UsageError

    # Dropped from the environment the app processes inherit, whichever token is used.
    env_token = os.environ.pop(TOKEN_ENV, None)
    token = args.token or env_token or None
    if args.max_sessions < 1:
        raise UsageError("--max-sessions must be at least 1")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: not a TCP port")
    if not is_loopback(args.host) and token is None:
        if not args.no_auth:
            raise UsageError(
                f"--host {args.host} is reachable from other machines: give --token T (or "
                f"${TOKEN_ENV}), or --no-auth to let anyone who reaches it see the runs"
            )
        print(
            f"tfwatch serve: warning: no token: anyone who can reach {args.host}:{args.port} "
            "sees the runs",
            file=sys.stderr,
        )
    try:
        from tfwatch.cli.web_sessions import WebSessions
    except ImportError as e:
        raise UsageError(f"tfwatch serve needs textual-serve ({e.name} is missing): "
                         "pip install 'tfwatch[serve]'") from None  # fmt: skip
    server = WebSessions(
        app_command(args), host=args.host, port=args.port, token=token,
        max_sessions=args.max_sessions, out=sys.stderr,
    )  # fmt: skip
    try:
        server.serve()
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    return 0
