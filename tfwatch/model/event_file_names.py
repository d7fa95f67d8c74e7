"""What an event file's name says about its writer: creation time, host and PID.

TensorFlow, TensorBoard's writer and PyTorch name files
``events.out.tfevents.<time>.<host>.<pid>.<n>[suffix]``; tensorboardX writes
``events.out.tfevents.<time>.<host>[suffix]`` (no PID). Host names may hold dots.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_NAME = re.compile(r"tfevents\.(\d+(?:\.\d+)?)\.(.+?)(?:\.(\d+)\.(\d+))?(?:\.v2)?$")


@dataclass(frozen=True)
class EventFileName:
    """The parts of one event file's name (None where the writer left them out)."""

    created: float | None
    host: str | None
    pid: int | None


def parse_event_file_name(name: str) -> EventFileName:
    """Parse ``events.out.tfevents.<time>.<host>[.<pid>.<n>]`` (a path is fine too)."""
    m = _NAME.search(name.rsplit("/", 1)[-1])
    if not m:
        return EventFileName(None, None, None)
    return EventFileName(
        created=float(m.group(1)),
        host=m.group(2),
        pid=int(m.group(3)) if m.group(3) else None,
    )


def local_hostname() -> str:
    """This machine's name, as writers put it in file names."""
    uname = getattr(os, "uname", None)
    if uname is not None:
        return str(uname().nodename)  # what gethostname() returns, without socket's import
    import socket

    return socket.gethostname()


def same_host(file_host: str, local: str) -> bool:
    """Whether a host part names this machine (case-insensitive; a short name matches its
    fully qualified form, since writers differ in which one they record)."""
    a, b = file_host.lower(), local.lower()
    return a == b or a.split(".", 1)[0] == b.split(".", 1)[0]
