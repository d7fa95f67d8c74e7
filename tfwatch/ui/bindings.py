"""The app's key bindings, and which of them act on the runs table."""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: Actions of the runs table, hidden and disabled while another screen is on top.
MAIN_SCREEN_ACTIONS = frozenset(
    {
        "filter", "sort_next", "sort_reverse", "pick_metric", "mark", "compare", "detail",
        "system_panel", "alerts", "show_process", "stop_process", "clear_filter", "group",
        "expand_group", "hparams", "group_spread",
    }
)  # fmt: skip

#: The main screen's keys, with the ids the footer and help refer to.
APP_BINDINGS: list[BindingType] = [
    # Priority: handled as the key arrives, so the keys after it (typed fast or
    # pasted) already go to the filter box, never to the table (see action_filter).
    Binding("/", "filter", "Filter", id="filter", priority=True),
    Binding("s", "sort_next", "Sort", id="sort"),
    Binding("S", "sort_reverse", "Reverse", id="reverse", show=False),
    Binding("m", "pick_metric", "Metric", id="metric"),
    Binding("space", "mark", "Mark", id="mark"),
    Binding("c", "compare", "Compare", id="compare"),
    # Not in the footer, which must keep ``q Quit`` at 80 columns: ``?`` lists them.
    Binding("g", "group", "Group", id="group", show=False),
    Binding("h", "hparams", "Hparams", id="hparams", show=False),
    Binding("b", "group_spread", "Spread", id="spread", show=False),
    Binding("enter", "detail", "Detail", id="detail", show=False),
    Binding("p", "system_panel", "System", id="system"),
    Binding("a", "alerts", "Alerts", id="alerts"),
    Binding("P", "show_process", "Process", id="process", show=False),
    Binding("K", "stop_process", "Stop process", id="stop", show=False),
    Binding("?", "help", "Help", id="help"),
    Binding("escape", "clear_filter", "Clear filter", show=False),
    Binding("q", "quit", "Quit", id="quit"),
]
