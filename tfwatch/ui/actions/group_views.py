"""The app's keys for sweeps: ``g`` (grouping), →/← (open, close a group), ``h`` (the
hparams view) and ``c`` while grouped (groups compared as bands).

A base class of :class:`~tfwatch.ui.app.TfwatchApp`, kept apart so the app module holds
the layout and the tick; the state lives in :class:`~tfwatch.ui.actions.grouping.
GroupingControl`, the groups are built by the session on its ingest thread, and
everything that reads the store runs in thread workers.
"""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from tfwatch.live.facade import GroupBy
from tfwatch.live.group_view import Grouping, is_group_row
from tfwatch.live.session import LiveSession
from tfwatch.live.view_models import Snapshot
from tfwatch.ui.actions.grouping import GroupingControl
from tfwatch.ui.messages import SnapshotApplied
from tfwatch.ui.screens.band_compare import BandCompareScreen, group_bands
from tfwatch.ui.screens.hparams import HparamsInputs, HparamsScreen
from tfwatch.ui.widgets.runs_table import RunsTable


class GroupViews(App[None]):
    """Group actions of the app (the attributes below are set by the app)."""

    session: LiveSession
    grouping: GroupingControl
    runs_table: RunsTable
    snapshot: Snapshot | None
    marked: set[str]
    _stopping: bool

    def refresh_view(self) -> None:
        """Redraw the table (the app's)."""
        raise NotImplementedError

    def goto_run(self, name: str) -> None:
        """Put the cursor on a run or group (the app's)."""
        raise NotImplementedError

    def action_group(self) -> None:
        """Group the runs the next way of the cycle (see :mod:`.grouping`)."""
        spec = self.grouping.next()
        self.marked = {m for m in self.marked if not is_group_row(m)}
        self.session.set_grouping(spec)
        self.notify(f"grouped by {spec.label}" if spec else "groups off", timeout=2)
        if spec is not None:
            self._fetch_groups(spec)
        self.refresh_view()

    @work(thread=True, exclusive=True, group="groups", exit_on_error=False)
    def _fetch_groups(self, spec: GroupBy) -> None:
        """Group the last pass's runs now, off the UI thread (the next pass would too)."""
        grouping = self.session.groups(spec)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._groups_ready, grouping)

    def _groups_ready(self, grouping: Grouping | None) -> None:
        if grouping is not None and not self._stopping:
            self.grouping.receive(grouping)
            self.refresh_view()
            self.screen.post_message(SnapshotApplied())  # an open view shows the groups

    def action_group_spread(self) -> None:
        """Group rows: mean±std ↔ min–max of the members' last values."""
        if not self.grouping.active:
            return
        spread = self.grouping.switch_spread()
        self.notify("min–max of the members" if spread == "range" else "mean±std", timeout=2)
        self.refresh_view()

    def action_hparams(self) -> None:
        """Open the hparams view (runs, or groups while grouped)."""
        if self.snapshot is None:
            self.notify("no runs yet", severity="warning")
            return
        self.push_screen(HparamsScreen(self._hparams_inputs, self.goto_run))

    def _hparams_inputs(self) -> HparamsInputs | None:
        if self.snapshot is None:
            return None
        grouping = self.grouping.grouping if self.grouping.active else None
        return HparamsInputs(self.snapshot, grouping, self.grouping.seed_keys)

    def action_expand_group(self, open_it: bool = True) -> None:
        """Open (→) or close (←) the group under the cursor; ← on a member closes its
        group and puts the cursor on it."""
        key = self.runs_table.current_run
        group = self.grouping.group_of_row(key)
        if group is None:
            parent = self.grouping.parent_of(key)
            if open_it or parent is None:
                return
            group_key = parent
        else:
            group_key = group.id
        if (group_key in self.grouping.expanded) != open_it:
            self.grouping.toggle(group_key)
            self.refresh_view()
        if not open_it and group_key in self.runs_table.order:
            self.runs_table.move_cursor(row=self.runs_table.get_row_index(group_key))

    def toggle_group_row(self, key: str) -> bool:
        """Open or close the group whose row is ``key``; False when it is a run's row."""
        if self.grouping.group_of_row(key) is None:
            return False
        self.grouping.toggle(key)
        self.refresh_view()
        return True

    def compare_groups(self, tag: str, tags: list[str], top: int) -> None:
        """Compare ``tag`` across the marked groups (else marked runs grouped, else the
        first ``top`` groups) as bands."""
        if self.snapshot is None:
            return
        groups = self.grouping.compare_groups(
            self.runs_table.order, self.marked, self.snapshot.runs, top
        )
        self._open_band_compare(groups, tag, tags)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _open_band_compare(
        self, groups: list[tuple[str, list[str]]], tag: str, tags: list[str]
    ) -> None:
        """Compute the groups' bands off the UI thread, then open the chart with them."""
        bands = group_bands(groups, tag, self.session.series)
        if not get_current_worker().is_cancelled:
            screen = BandCompareScreen(groups, tag, tags, self.session.series, bands)
            self.call_from_thread(self.push_screen, screen)
