"""The app's keys that act on the selected run's process (``P``, ``K``) and on the
alerts panel (``a``, Enter on an alert, mutes), and the help screen (``?``).

A base class of :class:`~tfwatch.ui.app.TfwatchApp`; the attributes below are the app's.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on

from tfwatch.live.view_models import RunSummary
from tfwatch.model.alerts import Alert
from tfwatch.text.safe_text import printable
from tfwatch.ui.actions.processes import ProcessControl
from tfwatch.ui.actions.table_keys import TableKeys
from tfwatch.ui.screens.help import HelpScreen
from tfwatch.ui.widgets.alerts_panel import AlertsPanel


class PanelKeys(TableKeys):
    """Process, alert and help keys of the app."""

    processes: ProcessControl
    _alerts_panel: AlertsPanel
    #: Open a run's detail, at an alert when given (the app's, a thread worker).
    _open_detail: Callable[[str, Alert | None], object]

    # -- processes ------------------------------------------------------------------------

    def _selected_run(self) -> tuple[str, RunSummary | None] | None:
        name = self.runs_table.current_run
        if name is None:
            return None
        return name, self.snapshot.runs.get(name) if self.snapshot else None

    def action_show_process(self) -> None:
        """Show the selected run's process (PID, command, why its state)."""
        selected = self._selected_run()
        if selected is not None:
            self.processes.show(self, *selected)

    def action_stop_process(self) -> None:
        """SIGTERM (then SIGKILL) the selected run's process, after a confirmation."""
        selected = self._selected_run()
        if selected is not None:
            self.processes.stop(self, *selected)

    # -- alerts ---------------------------------------------------------------------------

    def action_alerts(self) -> None:
        """Show or hide the alerts panel (focused when shown)."""
        panel = self._alerts_panel
        panel.toggle_class("shown")
        if panel.has_class("shown"):
            panel.focus()
        else:
            self.runs_table.focus()

    @on(AlertsPanel.JumpToRun)
    def _jump_to_alert(self, event: AlertsPanel.JumpToRun) -> None:
        self.goto_run(event.run)
        if event.alert is not None:
            self._open_detail(event.run, event.alert)

    @on(AlertsPanel.MutesFailed)
    def _mutes_failed(self, event: AlertsPanel.MutesFailed) -> None:
        self.notify(printable(event.problem), severity="warning", markup=False)

    def action_help(self) -> None:
        """Show every binding."""
        self.push_screen(HelpScreen())
