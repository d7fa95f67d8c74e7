"""Signalling a process on an SSH node (``K`` with ``--allow-remote-kill``): ``kill``
over the node poller's own connection, after checking that the PID still names the
process the node listed (its start time, within the clock's grain), so a reused PID is
not hit. Blocking: call it off the UI thread."""

from __future__ import annotations

import asyncio
import time

from tfwatch.system.nodes.ssh_poller import SshNodePoller
from tfwatch.system.nodes.ssh_probe import elapsed_seconds
from tfwatch.system.signals import SignalOutcome
from tfwatch.text.safe_text import printable

#: Seconds a start time may differ by (``ps`` counts whole seconds; clocks move).
START_TOLERANCE_S = 3.0
_SIGNALS = {"SIGTERM": "TERM", "SIGKILL": "KILL"}


def signal_node_process(
    poller: SshNodePoller, pid: int, started: float | None, name: str, timeout: float = 10.0
) -> SignalOutcome:
    """Send ``name`` (SIGTERM or SIGKILL) to ``pid`` on the poller's node."""
    if name not in _SIGNALS or pid <= 1:
        return SignalOutcome(False, f"refused: {name} to PID {pid}")
    where = f"PID {pid} on {poller.destination}"
    deadline = time.monotonic() + timeout
    try:
        answer = poller.run(f"date +%s; ps -o etime= -p {int(pid)}", deadline).decode(
            "ascii", "replace"
        )
        lines = answer.split()
        now = float(lines[0]) if lines and lines[0].isdigit() else None
        elapsed = elapsed_seconds(lines[1]) if len(lines) > 1 else None
        if elapsed is None or now is None:
            return SignalOutcome(False, f"{where}: no such process any more")
        if started is not None and abs((now - elapsed) - started) > START_TOLERANCE_S:
            return SignalOutcome(False, f"{where}: the PID now names another process")
        said = poller.run(f"kill -s {_SIGNALS[name]} {int(pid)} 2>&1 && echo sent", deadline)
        if not said.rstrip().endswith(b"sent"):
            why = printable(said.decode("utf-8", "replace").strip())[:200] or "kill failed"
            return SignalOutcome(False, f"{where}: {why}")
    except (OSError, TimeoutError, asyncio.TimeoutError, RuntimeError) as e:
        return SignalOutcome(False, f"{where}: {printable(str(e)) or type(e).__name__}")
    return SignalOutcome(True, f"sent {name} to {where}")
