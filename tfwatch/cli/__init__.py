"""The command line: one parser (:mod:`.parser`), a module per command with
``add_parser(subparsers)`` and ``run(args)``, and :func:`main`, which runs the command
and turns its errors into one line."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from typing import NoReturn

from tfwatch.cli.parser import ONE_SHOT, build_parser, parse_args
from tfwatch.errors import TfwatchError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status. This is the one place where an error the
    user can act on (:class:`~tfwatch.errors.TfwatchError`) becomes one line on stderr
    and status 2."""
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        build_parser().print_help()
        return 2
    try:
        status: int = args.handler(args)
    except TfwatchError as e:
        print(f"tfwatch: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # standard output on a full disk, a closed terminal...
        print(f"tfwatch: {_os_error(e)}", file=sys.stderr)
        return 1
    return status


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

    Freeing every module and object one by one after
    ``tfwatch ls`` (NumPy, the decoder, the store) takes as long as the load of a small
    logdir. Nothing is left undone by skipping it: the commands close their output
    files, worker processes and temporary directories are done with before the command
    returns; the standard streams are flushed here, and a failed flush is reported as it
    would be while writing."""
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
