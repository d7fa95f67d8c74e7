"""Telling the user about new alerts beyond the panel: the terminal bell (``--bell``) and
a toast plus a desktop notification (``--notify``)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from textual.app import App

from tfwatch.model.alerts import Alert
from tfwatch.text.safe_text import printable


class AlertAnnouncer:
    """Rings and notifies once per batch of alerts new since start-up."""

    def __init__(self, bell: bool, desktop: bool) -> None:
        #: Ring the terminal bell on new alerts.
        self.bell = bell
        #: Show a toast and send a desktop notification on new alerts.
        self.desktop = desktop

    def announce(self, app: App[Any], new: list[Alert]) -> None:
        """Ring and notify for ``new`` (the first alert named, the others counted)."""
        if not new:
            return
        if self.bell:
            app.bell()
        if not self.desktop:
            return
        first = new[0]
        more = f" (+{len(new) - 1} more)" if len(new) > 1 else ""
        title = f"tfwatch: {first.kind} in {printable(first.run)}"
        body = printable(first.message) + more
        app.notify(body, title=title, severity="warning", markup=False)
        desktop_notify(title, body)


def desktop_notify(title: str, body: str) -> bool:
    """Send a desktop notification with ``notify-send`` when it is installed."""
    exe = shutil.which("notify-send")
    if exe is None:
        return False
    try:
        subprocess.Popen(
            [exe, "--app-name=tfwatch", title, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True
