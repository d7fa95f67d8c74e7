"""A run written and closed an hour ago, and which processes hold a file open: helpers
of the system tests and of the app's process actions tests."""

from __future__ import annotations

import os
import time
from pathlib import Path
from unittest import mock

from tfwatch.system.linkage import RunFiles

#: Written an hour ago: long past any stall threshold.
OLD = time.time() - 3600


def finished_run(root: Path, name: str = "done") -> RunFiles:
    """A run written by tensorboardX an hour ago and closed."""
    from tensorboardX import SummaryWriter

    run_dir = root / name
    # The writer stamps its first event (the file version) with the clock: an hour ago.
    with mock.patch("time.time", return_value=OLD):
        w = SummaryWriter(str(run_dir))
    for step in range(20):
        w.add_scalar("loss", 1.0 / (step + 1), step, walltime=OLD + step)
    w.close()
    files = tuple(sorted(str(p) for p in run_dir.glob("*tfevents*")))
    for f in files:
        os.utime(f, (OLD + 20, OLD + 20))
    return RunFiles(name=name, path=str(run_dir), event_files=files)


def holders_of(path: str) -> set[int]:
    """PIDs holding ``path`` open in any mode (read straight from /proc)."""
    real = os.path.realpath(path)
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") == real:
                    found.add(int(entry))
            except OSError:
                pass
    return found
