"""Acting on the selected run's process: show it (``P``), stop it (``K``).

The process comes from the system monitor's last scan (the sampler thread); the UI only
reads it. Stopping always goes through :class:`ConfirmSignal` naming the PID and the
command, and ``--readonly`` refuses before any modal opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from tfwatch.live.facade import ProcessRef, SignalOutcome, describe_process, send_signal
from tfwatch.live.view_models import RunSummary
from tfwatch.text.safe_text import printable
from tfwatch.ui.actions.node_processes import REMOTE_KILL_MESSAGE, node_process, stop_on_node
from tfwatch.ui.screens.process import ConfirmSignal, ProcessScreen, RunProcess

if TYPE_CHECKING:
    from tfwatch.live.facade import SystemSampler
    from tfwatch.live.session import LiveSession

READONLY_MESSAGE = "read-only mode (--readonly): tfwatch does not signal processes"


class ProcessControl:
    """Shows and stops runs' writer processes: reads the sampler's last scan, remembers
    which processes were already sent SIGTERM, and refuses everything under --readonly.

    It knows nothing of the app beyond what any Textual app offers (``push_screen``,
    ``notify``), which each call takes as ``app``."""

    def __init__(
        self,
        sampler: SystemSampler | None,
        readonly: bool,
        session: LiveSession | None = None,
        allow_remote_kill: bool = False,
    ) -> None:
        #: The system monitor (run states, processes); None without it.
        self.sampler = sampler
        #: Never signal a process.
        self.readonly = readonly
        #: The session, whose node sources know runs written on other nodes.
        self.session = session
        #: Signal processes on SSH nodes too (``--allow-remote-kill``).
        self.allow_remote_kill = allow_remote_kill
        #: Processes already sent SIGTERM: the next offer for them is SIGKILL.
        self.terminated: set[ProcessRef] = set()

    def process_of(self, name: str, summary: RunSummary | None) -> RunProcess:
        """What the monitor knows of run ``name``'s writer right now."""
        if self.session is not None:
            on_node = node_process(summary, self.session.nodes)
            if on_node is not None:
                return on_node
        sampler = self.sampler
        state = sampler.snapshot.states.get(name) if sampler is not None else None
        link = sampler.snapshot.links.get(name) if sampler is not None else None
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

    def show(self, app: App[Any], name: str, summary: RunSummary | None) -> None:
        """Show run ``name``'s process (PID, command, why its state)."""
        proc = self.process_of(name, summary)

        def chosen(answer: str | None) -> None:
            if answer == "signal":
                self.confirm_stop(app, proc)

        app.push_screen(ProcessScreen(proc, self.readonly), chosen)

    def stop(self, app: App[Any], name: str, summary: RunSummary | None) -> None:
        """Offer to stop run ``name``'s process (after a confirmation)."""
        self.confirm_stop(app, self.process_of(name, summary))

    def confirm_stop(self, app: App[Any], proc: RunProcess) -> None:
        """SIGTERM (or SIGKILL once SIGTERM was sent) behind a confirmation modal."""
        if self.readonly:
            app.notify(READONLY_MESSAGE, severity="warning")
            return
        if proc.node is not None and proc.ref is not None and not self.allow_remote_kill:
            app.notify(
                REMOTE_KILL_MESSAGE.format(run=printable(proc.run), node=printable(proc.node)),
                severity="warning",
                markup=False,
            )
            return
        if proc.ref is None:
            where = "it is written on another host" if proc.remote else "no live process"
            app.notify(
                f"{printable(proc.run)}: nothing to stop ({where})",
                severity="warning",
                markup=False,
            )
            return
        terminated = self.terminated
        ref = proc.ref
        name = "SIGKILL" if ref in terminated else "SIGTERM"

        def sent(outcome: SignalOutcome) -> None:
            if outcome.sent and name == "SIGTERM":
                terminated.add(ref)
                message = outcome.message + " (K again offers SIGKILL)"
            else:
                message = outcome.message
            app.notify(message, severity="information" if outcome.sent else "error")

        def answered(send: bool | None) -> None:
            if not send:
                return
            if proc.node is not None and self.session is not None:
                stop_on_node(app, self.session, proc, name, sent)
                return
            outcome = send_signal(ref, name, readonly=self.readonly)
            if outcome.sent and self.sampler is not None:
                self.sampler.note_signal(ref.pid, ref.create_time, name)
            sent(outcome)

        app.push_screen(ConfirmSignal(proc, name), answered)
