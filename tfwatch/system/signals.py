"""Stopping a run's process: SIGTERM or SIGKILL, sent only to the very process we linked.

A PID alone is not an identity — the writer may have exited and the number been handed
to something else since the screen was drawn — so the target is a (PID, create time)
pair and the signal goes out only when both still match. ``--readonly`` refuses outright.
The caller (the UI) asks for confirmation first.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

import psutil

#: The signals tfwatch offers, by the name the UI shows.
ALLOWED_SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
#: create_time is rounded differently by platforms; anything closer is the same process.
_CREATE_TIME_TOLERANCE_S = 0.01


@dataclass(frozen=True)
class ProcessRef:
    """A process named so that PID reuse cannot fool us."""

    pid: int
    create_time: float


@dataclass(frozen=True)
class SignalOutcome:
    """Whether the signal was sent, and a sentence for the status line."""

    sent: bool
    message: str


def send_signal(target: ProcessRef, name: str, *, readonly: bool = False) -> SignalOutcome:
    """Send ``name`` (``SIGTERM`` or ``SIGKILL``) to ``target`` after checking it."""
    if readonly:
        return SignalOutcome(False, "read-only mode: signals are disabled")
    sig = ALLOWED_SIGNALS.get(name)
    if sig is None:
        return SignalOutcome(False, f"{name} is not offered (only {', '.join(ALLOWED_SIGNALS)})")
    try:
        proc = psutil.Process(target.pid)
        if abs(proc.create_time() - target.create_time) > _CREATE_TIME_TOLERANCE_S:
            return SignalOutcome(False, f"process {target.pid} is no longer the run's writer")
        if proc.status() == psutil.STATUS_ZOMBIE:
            return SignalOutcome(False, f"process {target.pid} has already exited")
        proc.send_signal(sig)
    except psutil.NoSuchProcess:
        return SignalOutcome(False, f"process {target.pid} has already exited")
    except psutil.AccessDenied:
        return SignalOutcome(False, f"not allowed to signal process {target.pid}")
    return SignalOutcome(True, f"sent {name} to process {target.pid}")
