"""The Textual app: layout, bindings, and the refresh tick fed by the live session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label
from textual.worker import get_current_worker

from tfwatch.filtering import RunFilter, parse_filter
from tfwatch.live.alert_feed import AlertFeed
from tfwatch.live.facade import SEED_KEYS, GroupBy
from tfwatch.live.publications import DetailCopy, Published
from tfwatch.live.session import LiveSession
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.model.alerts import Alert
from tfwatch.text.safe_text import printable
from tfwatch.ui.actions.alert_mutes import AlertMutes
from tfwatch.ui.actions.alerts import AlertAnnouncer
from tfwatch.ui.actions.grouping import GroupingControl
from tfwatch.ui.actions.palette import Chosen, GoToRun, RunCommands, SortBy
from tfwatch.ui.actions.panel_keys import PanelKeys
from tfwatch.ui.actions.processes import ProcessControl
from tfwatch.ui.bindings import APP_BINDINGS, MAIN_SCREEN_ACTIONS
from tfwatch.ui.column_voices import ColumnVoices
from tfwatch.ui.columns import Column, fit_columns
from tfwatch.ui.messages import SnapshotApplied
from tfwatch.ui.screens.compare import CompareScreen
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.sorting import SORT_MODES
from tfwatch.ui.visible_runs import VisibleRuns
from tfwatch.ui.widgets.alerts_panel import AlertsPanel
from tfwatch.ui.widgets.filter_bar import FilterBar
from tfwatch.ui.widgets.footer import AdaptiveFooter
from tfwatch.ui.widgets.header import StatusHeader, header_text, loading_words
from tfwatch.ui.widgets.no_runs import NoRunsNotice
from tfwatch.ui.widgets.runs_table import RunsTable
from tfwatch.ui.widgets.system_slot import SystemSlot

#: Runs compared when none is marked: the top of the current order.
COMPARE_TOP = 5


class TfwatchApp(PanelKeys):
    """Watch the runs a :class:`LiveSession` publishes: a live table, filter, compare and detail."""

    CSS_PATH = Path(__file__).with_name("tfwatch.tcss")
    TITLE = "tfwatch"
    AUTO_FOCUS = "#runs"
    COMMANDS = App.COMMANDS | {RunCommands}
    BINDINGS = APP_BINDINGS

    class SnapshotReady(Message):
        """The session published a new pass (posted from its ingest thread)."""

        def __init__(self, published: Published) -> None:
            super().__init__()
            self.published = published

    class RefreshFailed(Message):
        """A pass of the session failed (posted from its ingest thread)."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        session: LiveSession,
        *,
        readonly: bool = False,
        bell: bool = False,
        desktop_notify: bool = False,
        alert_mutes: AlertMutes | None = None,
        group_by: GroupBy | None = None,
        allow_remote_kill: bool = False,
    ) -> None:
        super().__init__()
        #: Acknowledged alerts, muted runs and kinds (this session only by default).
        self.alert_mutes = alert_mutes if alert_mutes is not None else AlertMutes()
        #: The live session: ingest thread, system sampler, published snapshots.
        self.session = session
        self.interval = session.interval
        #: Never act on runs or processes (for shared machines); the app only reads.
        self.readonly = readonly
        self.clock = session.clock
        self.targets = session.targets
        #: The bell and notifications for alerts new since start-up.
        self.announcer = AlertAnnouncer(bell, desktop_notify)
        #: The system monitor (run states, processes, GPU); None without it.
        self.sampler = session.sampler
        #: Showing and stopping runs' processes (``P``, ``K``).
        self.processes = ProcessControl(self.sampler, readonly, session, allow_remote_kill)
        self.snapshot: Snapshot | None = None
        self.marked: set[str] = set()
        config = session.health_config
        #: ``g``: which grouping is shown, which groups are open (``--group-by`` first).
        self.grouping = GroupingControl(group_by, config.seed_keys if config else SEED_KEYS)
        self.filter: RunFilter = parse_filter("")
        #: The filtered, sorted runs and their columns, kept while nothing changed.
        self._visible = VisibleRuns()
        self._voices = ColumnVoices(self._visible)
        self.sort_index = 0
        self.sort_reverse = False
        self._stopping = False
        self._progress_timer: Timer | None = None
        #: Whether the first load still reads (the header shows its progress).
        self._loading = True
        self._told_errors: set[str] = set()  # root errors already shown as a toast
        self._applied: Published | None = None  # the last pass whose alerts were shown
        #: The main screen's widgets, kept so ticks reach them under other screens.
        self.runs_table: RunsTable
        self._status: StatusHeader
        self._filter_bar: FilterBar | None = None
        self._alerts_panel: AlertsPanel
        self._no_runs: NoRunsNotice
        #: Why the text in the filter box is not applied ("" when it is).
        self.filter_error = ""

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield RunsTable(id="runs")
        yield NoRunsNotice(id="no-runs")
        yield AlertsPanel(id="alerts", mutes=self.alert_mutes)
        yield FilterBar(id="filter-bar")
        yield Label("", id="filter-error")
        yield SystemSlot(
            enabled=self.sampler is not None or self.session.cluster is not None,
            log_roots=self.session.roots,
            sampler=self.sampler,
            session=self.session,
        )
        yield AdaptiveFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Table actions only on the main screen: other screens' footers stay short, and
        a key meant for the table never acts on a run hidden behind a view."""
        return action not in MAIN_SCREEN_ACTIONS or self.screen is self.screen_stack[0]

    def on_mount(self) -> None:
        self.runs_table = self.query_one(RunsTable)
        self._status = self.query_one(StatusHeader)
        self._filter_bar = self.query_one(FilterBar)
        self._alerts_panel = self.query_one(AlertsPanel)
        self._no_runs = self.query_one(NoRunsNotice)
        self._update_header()
        self._progress_timer = self.set_interval(0.25, self._show_progress)
        self.session.set_grouping(self.grouping.spec)
        self._ingest()

    def on_unmount(self) -> None:
        self._stopping = True
        # A poll of a slow root may not end soon: the thread is a daemon, do not wait long.
        self.session.stop(timeout=0.5)

    @property
    def alert_feed(self) -> AlertFeed:
        """Raise-once bookkeeping of the alerts (kept by the session)."""
        return self.session.alert_feed

    # -- the session's publications -------------------------------------------------------

    def _ingest(self) -> None:
        """Start the session; its passes come back as messages (posting never blocks)."""
        self.session.start(
            lambda published: self.post_message(self.SnapshotReady(published)),
            lambda error: self.post_message(self.RefreshFailed(error)),
        )

    @on(SnapshotReady)
    def _snapshot_ready(self, message: SnapshotReady) -> None:
        # While the app closes, its screen's widgets go before the app's own unmount: a
        # pass that lands in between has nothing left to show on.
        if not self._stopping and self.runs_table.is_attached:
            self._apply_snapshot(message.published)

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        self.notify(message.error, severity="error")

    def _apply_snapshot(self, published: Published) -> None:
        snap = published.snapshot
        self.snapshot = snap
        self._loading = published.loading
        if self._progress_timer is not None and not self._loading:
            self._progress_timer.stop()
            self._progress_timer = None
        # Say it once when a root starts failing (or fails differently); the header keeps
        # showing the state until it recovers.
        errors = published.errors
        fresh = [e for e in errors if e not in self._told_errors]
        self._told_errors = set(errors)
        for error in fresh[:1]:
            self.notify(printable(error), title="root failing", severity="error", timeout=4)
        if published is not self._applied:  # (a quiet pass hands the last one again)
            self._applied = published
            self.grouping.receive(published.groups)
            self._alerts_panel.show_alerts(list(published.active_alerts))
            self.announcer.announce(self, self.alert_mutes.visible(published.new_alerts))
        self.refresh_view()
        self.screen.post_message(SnapshotApplied())

    def _show_progress(self) -> None:
        self._status.show(self._header(), self.session.progress)

    def request_poll(self) -> None:
        """Wake the ingest thread now (after a metric change)."""
        self.session.wake()

    # -- view -----------------------------------------------------------------------------

    @property
    def primary_metric(self) -> str | None:
        """The first metric column (what sorting, trend and compare read)."""
        wanted = self.session.wanted_metrics
        metrics = wanted or (self.snapshot.metrics if self.snapshot else ())
        return metrics[0] if metrics else None

    def visible_runs(self) -> list[RunSummary]:
        """Runs passing the filter, in display order."""
        if self.snapshot is None:
            return []
        mode = SORT_MODES[self.sort_index].key
        return self._visible.runs(
            self.snapshot, self.filter, mode, self.primary_metric, self.sort_reverse
        )

    def refresh_view(self) -> None:
        """Apply the snapshot, filter, sort and marks to the table and header."""
        table = self.runs_table
        if self.snapshot is not None:
            runs = self.visible_runs()
            width = table.size.width or self.size.width
            targets = tuple(tag for tag, _ in self.targets)
            makers = None
            if self.grouping.active:
                mode = SORT_MODES[self.sort_index].key
                runs, makers = self.grouping.rows(
                    self.snapshot.runs, self.filter, mode, self.primary_metric, self.sort_reverse
                )
            snap = self.snapshot
            nodes = self._visible.on_nodes  # (of the snapshot visible_runs() looked at)
            names = None if makers else self._visible.names_generation

            def fit() -> list[Column]:
                need, prefix = (
                    (self.grouping.name_need(), "") if makers else table.name_needs(runs, names)
                )

                def fitted(w: int) -> list[Column]:
                    return fit_columns(snap.metrics, w, need, targets, snap.tag_counts, runs,
                                       prefix, self._voices.says_nothing, nodes=nodes)  # fmt: skip

                return self.grouping.fit_columns(fitted, width)

            # Kept while the shown list is the same object (no summary changed).
            key = (self._visible.generation, width, targets, table.as_tree, snap.metrics,
                   dict(snap.tag_counts), nodes)  # fmt: skip
            columns = fit() if makers else self._visible.columns(key, fit)
            table.set_columns(columns)
            order = None if makers else (self._visible.order_generation, names)
            table.show(runs, self.marked, self.clock(), makers, order)
            waiting = self._no_runs.show_for(self.snapshot, self.session.statuses)
            self.set_class(waiting, "no-runs")
        self._update_header()

    def _header(self) -> Text:
        shown = self.grouping.runs_shown() if self.grouping.active else len(self.runs_table.order)
        mode = SORT_MODES[self.sort_index]
        label = mode.label + (" ↓" if self.sort_reverse else " ↑")
        metric = self.primary_metric if mode.uses_metric else None
        words = loading_words(self.session.load) if self._loading else ""
        width = self._status.line_width(loading=self._loading) - len(words)
        text = header_text(
            self.snapshot, self.session.statuses, shown, label, self.interval, len(self.marked),
            width=max(1, width), sort_metric=metric,
            counts=self._visible.counts(self.snapshot) if self.snapshot is not None else None,
        )  # fmt: skip
        if words:
            text.append(words, style="dim")
        return text

    def _update_header(self) -> None:
        progress = self.session.progress if self._loading else None
        self._status.show(self._header(), progress)

    @on(RunsTable.WidthChanged)
    def _table_resized(self) -> None:
        self.refresh_view()

    # -- other views ----------------------------------------------------------------------

    def goto_run(self, name: str) -> None:
        """Put the cursor on ``name``, clearing the filter if it hides that run."""
        table = self.runs_table
        if name not in table.order and self.grouping.open_group_of(name):
            self.refresh_view()  # the run is in a closed group: open it
        if name not in table.order:
            self.action_clear_filter()
        if name in table.order:
            table.move_cursor(row=table.get_row_index(name))
        table.focus()

    def compare_names(self) -> list[str]:
        """Marked runs in display order, else the top of the current order."""
        order = self.runs_table.order
        marked = [n for n in order if n in self.marked]
        marked += sorted(n for n in self.marked if n not in order)
        return marked or order[:COMPARE_TOP]

    def action_compare(self) -> None:
        """Compare one tag across the marked runs."""
        names = self.compare_names()
        tag = self.primary_metric
        if not names or tag is None or self.snapshot is None:
            self.notify("nothing to compare yet", severity="warning")
            return
        tags = sorted(self.snapshot.tag_counts)
        if self.grouping.active:
            self.compare_groups(tag, tags, COMPARE_TOP)
            return
        self._open_compare(names, tag, tags)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _open_compare(self, names: list[str], tag: str, tags: list[str]) -> None:
        """Copy the series off the UI thread, then open the chart with them."""
        series = self.session.series(names, tag)
        if get_current_worker().is_cancelled:
            return  # asked again meanwhile: that request opens the chart
        screen = CompareScreen(names, tag, tags, self.session.series, series)
        self.call_from_thread(self.push_screen, screen)

    def action_detail(self) -> None:
        """Open the run under the cursor (a group: open or close it)."""
        name = self.runs_table.current_run
        if name is None:
            return
        if not self.toggle_group_row(name):
            self._open_detail(name)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _open_detail(self, name: str, focus: Alert | None = None) -> None:
        """Copy the run off the UI thread, then open its detail (at ``focus``)."""
        copy = self.session.detail(name)
        if copy is not None and not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_detail, name, copy, focus)

    def _show_detail(self, name: str, copy: DetailCopy, focus: Alert | None = None) -> None:
        summary = self.snapshot.runs.get(name) if self.snapshot else None
        process = self.processes.process_of(name, summary)
        self.push_screen(DetailScreen(copy.detail, list(copy.alerts), process, focus=focus))

    @on(RunsTable.RowSelected, "#runs")
    def _row_selected(self, event: RunsTable.RowSelected) -> None:
        self.action_detail()

    def action_system_panel(self) -> None:
        """Show the full system panel (GPU processes, per-core CPU) or the strip."""
        slot = self.query_one(SystemSlot)
        if not slot.has_class("filled"):
            self.notify("no system information here", severity="warning")
            return
        slot.toggle_full()
        slot.select_run(self.runs_table.current_run)

    # -- command palette ------------------------------------------------------------------

    def run_names(self) -> list[str]:
        """Every run's name, sorted (what the palette searches)."""
        return sorted(self.snapshot.runs) if self.snapshot is not None else []

    @on(SortBy)
    def _palette_sort(self, event: SortBy) -> None:
        self.sort_by(event.key)

    @on(GoToRun)
    def _palette_goto(self, event: GoToRun) -> None:
        self.goto_run(event.name)

    @on(Chosen)
    def _palette_action(self, event: Chosen) -> None:
        actions: dict[str, Callable[[], None]] = {
            "compare": self.action_compare,
            "pick_metric": self.action_pick_metric,
            "filter": self.action_filter,
            "clear_marks": self.action_clear_marks,
            "help": self.action_help,
        }
        actions[event.action]()
