"""The notice in place of an empty runs table: where tfwatch looks, and that it waits.

TensorBoard opens on an empty log directory and waits; so does tfwatch. Without this
line an empty root looks like a broken app.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tfwatch.live.view_models import Snapshot
from tfwatch.model.root_status import RootStatus
from tfwatch.ui.widgets.header import short_root


def no_runs_text(roots: Sequence[RootStatus]) -> Text:
    """``no runs yet under ROOT, … — waiting for event files``."""
    where = ", ".join(short_root(root.root) for root in roots)
    return Text(f"no runs yet under {where} — waiting for event files", justify="center")


class NoRunsNotice(Static):
    """Centred under the table's header while no root holds a run; gone at the first."""

    DEFAULT_CSS = """
    NoRunsNotice {
        display: none; height: 1fr; width: 1fr; content-align: center middle;
        color: $text-muted; padding: 0 2;
    }
    NoRunsNotice.shown { display: block; }
    """

    def show_for(self, snapshot: Snapshot | None, roots: Sequence[RootStatus]) -> bool:
        """Show the notice when ``snapshot`` has no run (not before the first one: the
        first scan may still be reading); return whether it is shown."""
        empty = snapshot is not None and not snapshot.runs
        if empty:
            self.update(no_runs_text(roots))
        self.set_class(empty, "shown")
        return empty
