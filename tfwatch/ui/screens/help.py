"""``?``: every key binding, in one table."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: (keys, what they do) per view; kept next to the views' own BINDINGS.
HELP: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Runs table",
        (
            ("↑ ↓ j k, PgUp PgDn, Home G", "move"),
            ("/", "filter: text, re:regex, lr<1e-3, key=value, state:running, alert:nan"),
            ("", "states: running stalled finished crashed unknown remote; alert:any"),
            ("Esc", "clear the filter"),
            ("s / S", "next sort order / reverse it"),
            ("m", "choose the metric columns (fuzzy picker over all tags)"),
            ("t", "runs as a tree by directory / as a list (shared prefix in the header)"),
            ("space", "mark / unmark the run (marked runs are compared)"),
            ("c", "compare the primary metric across marked runs (or the top 5)"),
            ("enter", "run detail: every scalar tag, hparams, files, damage"),
            ("g", "group: off, hparams except seeds, parent directory, --group-by"),
            ("enter → ←", "on a group: open / close it (mean±std of the members' last values)"),
            ("b", "group rows: mean±std ↔ min–max of the members' last values"),
            ("h", "hparams view: the hparams that differ × metrics, importance, best run"),
            ("p", "system panel: GPUs, processes and their runs / one-line strip"),
            ("a", "alerts panel, newest first (Enter: the run's detail at the alert)"),
            ("x / m / M / U", "in the panel: acknowledge, mute run, mute kind, unmute all"),
            ("P", "the run's process: PID, command, why its state"),
            ("K", "stop the run's process: SIGTERM, then SIGKILL (asks first; not --readonly)"),
            ("ctrl+p", "command palette: find runs, sort, compare…"),
            ("?", "this help"),
            ("q, ctrl+q", "quit"),
        ),
    ),
    (
        "Compare and detail",
        (
            ("[ / ]", "less / more smoothing (TensorBoard's debiased EMA, 0–0.99)"),
            ("0", "no smoothing"),
            ("x", "x axis: step → relative time → wall time"),
            ("l", "log scale on y"),
            ("t / T", "next / previous tag (compare)"),
            ("Esc, q", "back"),
        ),
    ),
    (
        "Sort orders (s)",
        (
            ("value, best", "metric value, best first (loss ascending, accuracy descending)"),
            ("trend", "relative change of the smoothed metric, improving first"),
            ("convergence speed", "smoothed slope normalised by the metric's range"),
            ("steps since best", "longest without a new best first"),
            ("plateau", "flattest relative to the run's own noise first"),
            ("forecast", "forecast final value of the metric, best first (n/a last)"),
            ("steps to target", "fewest steps to the first --target first"),
        ),
    ),
    (
        "Columns",
        (
            ("state", "● running  ◆ stalled  ○ finished  ✖ crashed  ◌ unknown  @ other host"),
            ("", "◐ idle / ✕ gone: from write recency, before the first process scan"),
            ("!", "alerts: N nan, D diverging, G exploding grad, C crashed, S stalled,"),
            ("", "P plateau, O oscillating, F frozen, W two writers, T too frequent"),
            ("forecast", "where the metric is heading ± its 90% interval; n/a: poor fit"),
            ("→tag", "steps until the --target value is reached (done, never, n/a)"),
        ),
    ),
)


def help_table() -> Table:
    """The help as a rich table."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for section, rows in HELP:
        table.add_row(f"[u]{section}[/u]", "")
        for keys, what in rows:
            table.add_row(keys, what)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """A scrollable list of the bindings."""

    AUTO_FOCUS = "#help-box"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_table(), id="help-text")
