"""The log directories a process names on its command line.

Recognised: ``--logdir X``, ``--logdir=X``, ``-logdir X``, and the spellings training
scripts use for the same thing (``log_dir``, ``log-dir``, ``logging_dir``,
``tensorboard_dir``, ``tb_dir``, ``summary_dir``, ``output_dir``…), plus the
``key=value`` overrides of Hydra/Fire-style scripts (``trainer.log_dir=X``), where the
last dotted part names the option. Relative paths resolve against the process's working
directory. Viewers (TensorBoard itself, its data server, tfwatch) also take ``--logdir`` but
write nothing, so they are never writers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

LOGDIR_OPTIONS = frozenset(
    {
        "logdir",
        "log_dir",
        "logging_dir",
        "logs_dir",
        "tensorboard_dir",
        "tensorboard_logdir",
        "tensorboard_log_dir",
        "tb_dir",
        "tb_logdir",
        "tb_log_dir",
        "summary_dir",
        "summaries_dir",
        "output_dir",
    }
)
_VIEWERS = ("tensorboard", "tfwatch")
#: TensorBoard's Rust data server (``…/tensorboard_data_server/bin/server --logdir=…``,
#: started by ``tensorboard`` itself), named by the package directory its binary sits in.
_VIEWER_DIRS = ("tensorboard_data_server",)


def _option_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_").lower().rsplit(".", 1)[-1]


def is_viewer(cmdline: Sequence[str]) -> bool:
    """Whether the command is TensorBoard (or its data server) or tfwatch (which read
    logs, never write them)."""
    # The program itself, or the script an interpreter runs (``python /usr/bin/tensorboard``).
    head = [os.path.splitext(os.path.basename(a))[0] for a in cmdline[:2]]
    if any(h in _VIEWERS for h in head):
        return True
    if cmdline and any(d in cmdline[0].split(os.sep) for d in _VIEWER_DIRS):
        return True
    # ``python -m tensorboard.main`` / ``python -m tfwatch``
    for i, arg in enumerate(cmdline[:-1]):
        if arg == "-m":
            return cmdline[i + 1].split(".", 1)[0] in _VIEWERS
    return False


def logdir_arguments(cmdline: Sequence[str]) -> list[str]:
    """The raw values of every log-dir option on ``cmdline``, in order."""
    found: list[str] = []
    args = list(cmdline[1:])
    for i, arg in enumerate(args):
        if "=" in arg:
            key, value = arg.split("=", 1)
            if _option_name(key) in LOGDIR_OPTIONS and value:
                found.append(value)
        elif arg.startswith("-") and _option_name(arg) in LOGDIR_OPTIONS and i + 1 < len(args):
            value = args[i + 1]
            if value and not value.startswith("-"):
                found.append(value)
    return found


def cmdline_logdirs(cmdline: Sequence[str], cwd: str | None) -> list[str]:
    """Real, absolute paths of the log dirs a (non-viewer) command names."""
    if not cmdline or is_viewer(cmdline):
        return []
    out = []
    for raw in logdir_arguments(cmdline):
        path = os.path.expanduser(raw.strip("'\""))
        if not os.path.isabs(path):
            if cwd is None:
                continue  # relative, and we may not read its working directory
            path = os.path.join(cwd, path)
        out.append(os.path.realpath(path))
    return out
