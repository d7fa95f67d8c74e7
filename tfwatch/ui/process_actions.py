"""Acting on the selected run's process: show it (``P``), stop it (``K``).

The process comes from the system monitor's last scan (the sampler thread); the UI only
reads it. Stopping always goes through :class:`ConfirmSignal` naming the PID and the
command, and ``--readonly`` refuses before any modal opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tfwatch.live.view_models import RunSummary
from tfwatch.safe_text import printable
from tfwatch.system.processes import describe_process
from tfwatch.system.signals import ProcessRef, send_signal
from tfwatch.ui.process_screen import ConfirmSignal, ProcessScreen, RunProcess

if TYPE_CHECKING:
    from tfwatch.ui.app import TfwatchApp

READONLY_MESSAGE = "read-only mode (--readonly): tfwatch does not signal processes"


def process_of(app: TfwatchApp, name: str, summary: RunSummary | None) -> RunProcess:
    """What the monitor knows of run ``name``'s writer right now."""
    state = app.sampler.snapshot.states.get(name) if app.sampler is not None else None
    link = app.sampler.snapshot.links.get(name) if app.sampler is not None else None
    if state is None:
        return RunProcess(
            run=name,
            state=summary.state if summary else "unknown",
            reason=summary.state_reason if summary else "no process scan yet",
            remote=summary.remote if summary else False,
        )
    ref = None
    command, user = "", None
    if state.alive and state.pid is not None and state.create_time is not None:
        ref = ProcessRef(state.pid, state.create_time)
        info = describe_process(state.pid)
        if info is not None:
            command, user = info.command, info.user
    method = state.method or (link.method if link is not None else None)
    return RunProcess(name, state.state, state.reason, state.remote, ref, command, user, method)


def show_process(app: TfwatchApp) -> None:
    """Show the selected run's process (PID, command, why its state)."""
    name = app.runs_table.current_run
    if name is None:
        return
    summary = app.snapshot.runs.get(name) if app.snapshot else None
    proc = process_of(app, name, summary)

    def chosen(answer: str | None) -> None:
        if answer == "signal":
            confirm_stop(app, proc)

    app.push_screen(ProcessScreen(proc, app.readonly), chosen)


def stop_process(app: TfwatchApp) -> None:
    """Offer to stop the selected run's process (after a confirmation)."""
    name = app.runs_table.current_run
    if name is None:
        return
    summary = app.snapshot.runs.get(name) if app.snapshot else None
    confirm_stop(app, process_of(app, name, summary))


def confirm_stop(app: TfwatchApp, proc: RunProcess) -> None:
    """SIGTERM (or SIGKILL once SIGTERM was sent) behind a confirmation modal."""
    if app.readonly:
        app.notify(READONLY_MESSAGE, severity="warning")
        return
    if proc.ref is None:
        where = "it is written on another host" if proc.remote else "no live process"
        app.notify(
            f"{printable(proc.run)}: nothing to stop ({where})",
            severity="warning",
            markup=False,
        )
        return
    terminated = app.terminated
    ref = proc.ref
    name = "SIGKILL" if ref in terminated else "SIGTERM"

    def answered(send: bool | None) -> None:
        if not send:
            return
        outcome = send_signal(ref, name, readonly=app.readonly)
        if outcome.sent and app.sampler is not None:
            app.sampler.note_signal(ref.pid, ref.create_time, name)
        if outcome.sent and name == "SIGTERM":
            terminated.add(ref)
            message = outcome.message + " (K again offers SIGKILL)"
        else:
            message = outcome.message
        app.notify(message, severity="information" if outcome.sent else "error")

    app.push_screen(ConfirmSignal(proc, name), answered)
