"""The status header: roots, runs by state, filter count, sort, refresh, load progress."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tfwatch.live.view_models import Snapshot
from tfwatch.model.load_progress import LoadProgress
from tfwatch.model.root_status import RootStatus
from tfwatch.model.run_states import ALL_STATES
from tfwatch.text.durations import format_age
from tfwatch.text.load_progress import load_progress_line
from tfwatch.text.safe_text import printable
from tfwatch.ui.columns import REMOTE_GLYPH, REMOTE_STYLE, STATE_GLYPHS, STATE_STYLES


def loading_words(load: LoadProgress) -> str:
    """``  loading 12/40 runs · 1.2 MB of 4.8 MB · 3.1 MB/s · 1s left`` while a load
    reads (empty before its reads start and after they end)."""
    if not load.loading:
        return ""
    seconds = time.monotonic() - load.started
    line = load_progress_line(
        load.runs_done, load.runs_total, load.bytes_done, load.bytes_total, seconds
    )
    return f"  loading {line}"


def short_root(root: str, limit: int = 40) -> str:
    """A root for the header: the home directory as ``~``, long paths cut from the left."""
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and (root == home or root.startswith(home + os.sep)):
        root = "~" + root[len(home) :]
    if len(root) > limit:
        root = "…" + root[len(root) - limit + 1 :]
    return printable(root)


ROOT_STYLES = {"failing": "red", "slow": "yellow", "missing": "yellow"}


def root_note(root: RootStatus, now: float) -> str:
    """What a root's polls say when it is not simply fine: failing or slow (with the last
    error and when it last answered), and the requests a remote root has made. A root that
    does not exist (one of several) is only a warning: it is watched until it appears."""
    if root.state == "missing":
        return "not found"
    parts: list[str] = []
    if root.state in ("failing", "slow"):
        parts.append(root.state)
        if root.last_error:
            error = printable(root.last_error)
            parts[-1] += f": {error[:60]}{'…' if len(error) > 60 else ''}"
        parts.append(
            f"last ok {format_age(now - root.last_ok)} ago" if root.last_ok else "never ok"
        )
    if root.requests:
        parts.append(f"{root.requests} req")
    return "; ".join(parts)


#: How the header shortens when it does not fit its width, one step after another (each
#: keeps the steps before it): least needed first, so what stays is always whole.
SHORTENINGS = (
    "interval",  # drop "every 1s"
    "sort_metric",  # "sort: value ↑" without "of train/loss": the first metric column
    "root_detail",  # a failing root says "failing", its error and last success go
    "root_length",  # roots cut to 20 characters from the left: the last folders stay
    "state_words",  # "●5 ◐1 !1": the glyphs carry the states' colours
    "sort",  # no sort label
)
SHORT_ROOT = 20
#: Cells of the load progress bar beside the status line (its width in DEFAULT_CSS).
PROGRESS_WIDTH = 32


@dataclass(frozen=True)
class RunCounts:
    """What the header counts over every run: runs per state, remote, with alerts."""

    states: dict[str, int]
    remote: int
    with_alerts: int


def run_counts(snapshot: Snapshot) -> RunCounts:
    """Count once what the header shows (each of its shorter forms reads it again)."""
    states: dict[str, int] = dict.fromkeys(ALL_STATES, 0)
    remote = warned = 0
    for run in snapshot.runs.values():  # one pass: 10,000 runs are read once
        states[run.state] = states.get(run.state, 0) + 1
        remote += run.remote
        warned += bool(run.alerts) and run.warned
    return RunCounts(states, remote, warned)


def header_text(
    snapshot: Snapshot | None,
    roots: list[RootStatus],
    shown: int,
    sort_label: str,
    interval: float,
    marked: int,
    width: int = 0,
    sort_metric: str | None = None,
    counts: RunCounts | None = None,
) -> Text:
    """The header line as styled text (plain text where NO_COLOR is set): the whole line,
    or when it is wider than ``width`` (0: no limit), the first of the ever shorter forms
    of :data:`SHORTENINGS` that fits; parts are dropped or shortened, never cut."""
    now = time.time()
    text = Text()
    if snapshot is not None and counts is None:
        counts = run_counts(snapshot)
    for level in range(len(SHORTENINGS) + 1):
        text = _header_line(
            snapshot, counts, roots, shown, sort_label, interval, marked, sort_metric,
            set(SHORTENINGS[:level]), now,
        )  # fmt: skip
        if not width or text.cell_len <= width:
            break
    return text


def _header_line(
    snapshot: Snapshot | None,
    counts: RunCounts | None,
    roots: list[RootStatus],
    shown: int,
    sort_label: str,
    interval: float,
    marked: int,
    sort_metric: str | None,
    short: set[str],
    now: float,
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("tfwatch ", style="bold")
    limit = SHORT_ROOT if "root_length" in short else 40
    for i, root in enumerate(roots):
        style = ROOT_STYLES.get(root.state, "cyan")
        text.append(("" if i == 0 else ", ") + short_root(root.root, limit), style=style)
        if "root_detail" in short:
            note = root.state if root.state in ROOT_STYLES else ""
        else:
            note = root_note(root, now)
        if note:
            text.append(f" ({note})", style=f"bold {style}" if root.state != "ok" else "dim")
    text.append("  ")
    total = len(snapshot.runs) if snapshot else 0
    words = "state_words" not in short
    if counts is not None:
        for state, count in counts.states.items():
            if count:
                label = f" {state}" if words else ""
                text.append(f"{STATE_GLYPHS[state]}{count}{label} ", style=STATE_STYLES[state])
        remote = counts.remote
        if remote:
            text.append(f"{REMOTE_GLYPH}{remote}{' remote' if words else ''} ", style=REMOTE_STYLE)
        if counts.with_alerts:
            label = " with alerts" if words else ""
            text.append(f"!{counts.with_alerts}{label} ", style="bold red")
    text.append(f" {shown}/{total} runs", style="bold")
    if marked:
        text.append(f"  {marked} marked", style="magenta")
    if "sort" not in short:
        of = f" of {printable(sort_metric)}" if sort_metric and "sort_metric" not in short else ""
        text.append(f"  sort: {sort_label}{of}", style="dim")
    if "interval" not in short:
        text.append(f"  every {interval:g}s", style="dim")
    return text


class StatusHeader(Horizontal):
    """One line of status, with a progress bar while the first scan reads files."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; dock: top; background: $panel; }
    StatusHeader #status-line { width: 1fr; height: 1; }
    StatusHeader ProgressBar { width: 32; height: 1; display: none; }
    StatusHeader.loading ProgressBar { display: block; }
    """

    _text: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status-line")
        yield ProgressBar(id="load-progress", show_eta=False)

    def line_width(self, loading: bool) -> int:
        """Cells the status line has, with the progress bar shown or not (computed, not
        read from the line, whose size is only updated by the next layout)."""
        width = self.size.width or self.app.size.width
        return width - (PROGRESS_WIDTH if loading else 0)

    def show(self, text: Text, progress: tuple[int, int] | None) -> None:
        """Show ``text``; a progress bar while ``progress`` (done, total) is not complete."""
        # The line is one row wide whatever it says: no layout, and nothing when unchanged
        # (a layout pass redraws the whole screen).
        if text != self._text:
            self._text = text
            self.query_one("#status-line", Static).update(text, layout=False)
        loading = progress is not None and progress[1] > 0 and progress[0] < progress[1]
        self.set_class(loading, "loading")
        if loading and progress is not None:
            self.query_one(ProgressBar).update(total=progress[1], progress=progress[0])
