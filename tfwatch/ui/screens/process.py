"""The selected run's process, and the confirmation before sending it a signal.

A signal goes only to the process the monitor linked, named by (PID, create time) so a
reused PID is never hit, and only after a modal naming the PID and its command. The
first offer is SIGTERM (the trainer may save a checkpoint); once SIGTERM was sent to a
process the next offer is SIGKILL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tfwatch.live.facade import ProcessRef
from tfwatch.text.safe_text import printable


@dataclass(frozen=True)
class RunProcess:
    """What the UI knows of a run's writer: state, reason, and the process if linked."""

    run: str
    state: str
    reason: str
    remote: bool
    #: None when no live process is linked to the run.
    ref: ProcessRef | None = None
    command: str = ""
    user: str | None = None
    method: str | None = None
    #: The node the run is written on, when it is another node a source reads.
    node: str | None = None


def process_text(proc: RunProcess) -> Text:
    """The process view: run, state and why, PID, user, command (all escaped)."""
    text = Text()
    text.append("run      ", style="dim")
    text.append(printable(proc.run) + "\n", style="bold")
    text.append("state    ", style="dim")
    where = f" (node {printable(proc.node)})" if proc.node else " (another host)"
    text.append(proc.state + (where if proc.remote else "") + "\n")
    text.append("why      ", style="dim")
    text.append(printable(proc.reason or "-") + "\n")
    if proc.ref is None:
        text.append("process  ", style="dim")
        if proc.node:
            text.append(f"no live process on node {printable(proc.node)}", style="yellow")
        elif proc.remote:
            text.append("written on another host: no process to see here", style="yellow")
        else:
            text.append("no live process linked to this run", style="yellow")
        return text
    text.append("pid      ", style="dim")
    text.append(f"{proc.ref.pid}", style="bold cyan")
    if proc.method:
        text.append(f"  (linked by {proc.method})", style="dim")
    if proc.node:
        text.append(f"  on node {printable(proc.node)}", style="dim")
    text.append("\nuser     ", style="dim")
    text.append(printable(proc.user or "?") + "\n")
    text.append("command  ", style="dim")
    text.append(printable(proc.command or "?"))
    return text


class ProcessScreen(ModalScreen[str | None]):
    """Shows the run's process; returns ``"signal"`` when the user asks to stop it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,P", "dismiss(None)", "Close"),
        Binding("K", "stop", "Stop process"),
    ]

    def __init__(self, proc: RunProcess, readonly: bool) -> None:
        super().__init__()
        self.proc = proc
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        with Vertical(id="process-box", classes="modal-box"):
            yield Static(process_text(self.proc), id="process-info")
            with Horizontal(classes="modal-buttons"):
                yield Button(
                    "Stop… (K)",
                    id="stop",
                    variant="error",
                    disabled=self.proc.ref is None or self.readonly,
                )
                yield Button("Close (Esc)", id="close")

    def action_stop(self) -> None:
        """Ask the app to stop this process (it confirms first)."""
        self.dismiss("signal")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss("signal" if event.button.id == "stop" else None)


class ConfirmSignal(ModalScreen[bool]):
    """``Send SIGTERM to PID 1234 (python train.py …)?`` — returns True to send."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Send"),
    ]

    def __init__(self, proc: RunProcess, signal_name: str) -> None:
        super().__init__()
        self.proc = proc
        self.signal_name = signal_name

    def question(self) -> Text:
        """The question, naming the signal, the PID and the command."""
        assert self.proc.ref is not None
        text = Text("Send ")
        text.append(self.signal_name, style="bold red")
        text.append(" to process ")
        text.append(str(self.proc.ref.pid), style="bold cyan")
        text.append(" writing run ")
        text.append(printable(self.proc.run), style="bold")
        text.append("?\n\n")
        text.append(printable(self.proc.command or "?"), style="dim")
        if self.signal_name == "SIGKILL":
            text.append("\n\nSIGKILL cannot be caught: the run will not save anything.")
        return text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="modal-box"):
            yield Static(self.question(), id="confirm-question")
            with Horizontal(classes="modal-buttons"):
                yield Button(f"Send {self.signal_name} (y)", id="send", variant="error")
                yield Button("Cancel (n)", id="cancel", variant="primary")

    def on_mount(self) -> None:
        # Focus "Cancel": a stray Enter must not kill a training run.
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "send")
