"""The alerts panel (newest first, the highlighted alert whole underneath, Enter jumps to
the run) and new-alert notifications.

Alert text comes from run names and tags anyone can write: every piece goes through
:func:`printable` into ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tfwatch.model.alerts import Alert, AlertKey
from tfwatch.text.safe_text import printable
from tfwatch.ui.actions.alert_mutes import AlertMutes
from tfwatch.ui.columns import alert_style

TITLE = "alerts (Enter: evidence · x: ack · m/M: mute run/kind)"
#: The most alerts listed (the newest): a list is rebuilt whenever one alert changes,
#: and 1,700 of them (a 10,000-run root) cost a quarter of a second each time.
LISTED_MOST = 200


def alert_line(alert: Alert, wrap: bool = False) -> Text:
    """``run · kind · tag@step · message`` as styled, escaped text: one line cut with an
    ellipsis for the list, or (``wrap``) the whole of it, folded where it must break."""
    text = Text(no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
    text.append(printable(alert.run), style="bold")
    text.append(" · ")
    text.append(alert.kind, style=alert_style(alert.kind))
    text.append(" · ")
    if alert.tag:
        where = printable(alert.tag) + (f"@{alert.step:,}" if alert.step >= 0 else "")
    else:
        where = f"step {alert.step:,}" if alert.step >= 0 else "-"
    text.append(where, style="cyan")
    text.append(" · ")
    text.append(printable(alert.message))
    return text


class AlertList(OptionList):
    """One line per alert, cut to the panel's width (the panel's footer shows it whole)."""

    DEFAULT_CSS = """
    AlertList { height: 1fr; border: none; text-wrap: nowrap; text-overflow: ellipsis; }
    AlertList:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class AlertsPanel(Vertical):
    """The active alerts, most recently raised first, with the highlighted one written
        out whole underneath; Enter posts :class:`JumpToRun` (the app opens the run's detail
    at the alert). ``x`` acknowledges the
        highlighted alert (hidden while it holds), ``m`` mutes its run, ``M`` its kind, ``U``
        shows everything again (see :class:`AlertMutes`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "acknowledge", "Ack"),
        Binding("m", "mute_run", "Mute run"),
        Binding("M", "mute_kind", "Mute kind"),
        Binding("U", "unmute", "Unmute all"),
    ]

    DEFAULT_CSS = """
    AlertsPanel { height: 12; display: none; border: round $error; }
    AlertsPanel.shown { display: block; }
    AlertsPanel #alert-text {
        height: auto; max-height: 4; display: none; background: $boost; padding: 0 1;
    }
    AlertsPanel.has-alerts #alert-text { display: block; }
    """

    class JumpToRun(Message):
        """The user chose an alert: show its run in the table (and, with ``alert``, the
        run's detail at the alert's tag and step)."""

        def __init__(self, run: str, alert: Alert | None = None) -> None:
            super().__init__()
            self.run = run
            self.alert = alert

    class MutesFailed(Message):
        """The muted alerts could not be saved: say why, once."""

        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, *, mutes: AlertMutes | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: list[Alert] = []
        self._active: list[Alert] = []
        #: What is hidden: acknowledged alerts, muted runs and kinds.
        self.mutes = mutes if mutes is not None else AlertMutes()
        self.border_title = TITLE

    def compose(self) -> ComposeResult:
        yield AlertList(id="alert-list")
        yield Static(id="alert-text")

    @property
    def alerts(self) -> list[Alert]:
        """The alerts listed, in display order."""
        return list(self._shown)

    @property
    def highlighted(self) -> int | None:
        """Index of the highlighted alert in :attr:`alerts`."""
        return self.query_one(AlertList).highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        self.query_one(AlertList).highlighted = index
        self._show_whole()

    def focus(self, scroll_visible: bool = True) -> AlertsPanel:
        """Focus the list (the panel itself takes no keys)."""
        self.query_one(AlertList).focus(scroll_visible)
        return self

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        """List the active ``alerts`` (newest first) that are not muted, keeping the
        highlighted one where it is."""
        self._active = list(alerts)
        if self.mutes.forget_cleared(self._active):
            self._save()
        visible = self.mutes.visible(self._active)
        hidden = len(self._active) - len(visible)
        title = TITLE + (f" · {hidden} muted (U: show)" if hidden else "")
        if len(visible) > LISTED_MOST:
            title += f" · newest {LISTED_MOST:,} of {len(visible):,} (/alert:KIND in the table)"
        self.border_title = title
        self._list(visible[:LISTED_MOST])

    def _list(self, alerts: Sequence[Alert]) -> None:
        if list(alerts) == self._shown:
            return
        keep = self._current_key()
        self._shown = list(alerts)
        listing = self.query_one(AlertList)
        listing.clear_options()
        self.set_class(bool(alerts), "has-alerts")
        if not alerts:
            listing.add_option(Option(Text("no alerts", style="dim"), disabled=True))
            self._show_whole()
            return
        listing.add_options(Option(alert_line(a)) for a in alerts)
        keys = [a.key for a in alerts]
        self.highlighted = keys.index(keep) if keep in keys else 0

    def _current_key(self) -> AlertKey | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index].key

    def _show_whole(self) -> None:
        """The highlighted alert, whole and wrapped, under the list."""
        index = self.highlighted
        whole = (
            alert_line(self._shown[index], wrap=True)
            if index is not None and 0 <= index < len(self._shown)
            else ""
        )
        self.query_one("#alert-text", Static).update(whole)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_whole()

    def _highlighted_alert(self) -> Alert | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    def _changed(self) -> None:
        self._save()
        self.show_alerts(self._active)

    def _save(self) -> None:
        if not self.mutes.save():
            self.post_message(self.MutesFailed(self.mutes.problem))

    def action_acknowledge(self) -> None:
        """Hide the highlighted alert while it holds."""
        alert = self._highlighted_alert()
        if alert is not None:
            self.mutes.acknowledge(alert)
            self._changed()

    def action_mute_run(self) -> None:
        """Hide every alert of the highlighted alert's run."""
        alert = self._highlighted_alert()
        if alert is not None:
            self.mutes.mute_run(alert.run)
            self._changed()

    def action_mute_kind(self) -> None:
        """Hide every alert of the highlighted alert's kind."""
        alert = self._highlighted_alert()
        if alert is not None:
            self.mutes.mute_kind(alert.kind)
            self._changed()

    def action_unmute(self) -> None:
        """Show every alert again."""
        self.mutes.clear()
        self._changed()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._shown):
            alert = self._shown[event.option_index]
            self.post_message(self.JumpToRun(alert.run, alert))
