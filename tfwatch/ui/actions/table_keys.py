"""The app's keys on the runs table: the filter line (``/``, Esc), sorting (``s``/``S``),
marks (space) and the metric picker (``m``).

A base class of :class:`~tfwatch.ui.app.TfwatchApp`, kept apart so the app module holds
the layout, the tick and the views it opens; the attributes below are the app's.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.widgets import Input, Label

from tfwatch.filtering import RunFilter, parse_filter
from tfwatch.text.safe_text import printable
from tfwatch.ui.actions.group_views import GroupViews
from tfwatch.ui.screens.metric_picker import MetricPicker
from tfwatch.ui.sorting import SORT_MODES
from tfwatch.ui.widgets.filter_bar import FilterBar

#: Metric columns shown at most (the picker adds in front and drops the last).
MAX_METRICS = 3


class TableKeys(GroupViews):
    """Filter, sort, mark and metric keys of the app (state set by the app)."""

    filter: RunFilter
    filter_error: str
    sort_index: int
    sort_reverse: bool
    _filter_bar: FilterBar | None

    # -- filter ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Open the filter line and give it the keys that follow."""
        if isinstance(self.focused, Input):
            raise SkipAction  # a "/" typed into an input (``/regex/``, ``sweep/lr``)
        self.add_class("filtering")
        if self._filter_bar is not None:
            # Now, not after a refresh as ``focus()`` does: the next key is handled
            # before that and would sort or mark in the table.
            self.screen.set_focus(self._filter_bar.box)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.set_filter(event.text)

    @on(FilterBar.Submitted)
    def _filter_submitted(self, event: FilterBar.Submitted) -> None:
        self.set_filter(event.text)
        if not event.text:
            self.remove_class("filtering")
        self.runs_table.focus()

    def set_filter(self, text: str) -> None:
        """Filter the table with ``text`` (see :mod:`tfwatch.filtering`). A query that
        cannot be understood is shown as an error beside the box, and the table keeps
        the last filter that could."""
        parsed = parse_filter(text)
        if not parsed.errors:
            self.filter = parsed
        bar = self._filter_bar
        if bar is None or self._stopping:
            return
        self.filter_error = "; ".join(parsed.errors)
        shown = Text(f"✗ {printable(self.filter_error)}") if self.filter_error else Text("")
        self.query_one("#filter-error", Label).update(shown)
        self.set_class(bool(parsed.errors), "filter-invalid")
        bar.box.set_class(bool(parsed.errors), "error")
        self.refresh_view()

    def action_clear_filter(self) -> None:
        """Clear the filter and close its line."""
        if self._filter_bar is None:
            return
        self._filter_bar.clear()
        self.set_filter("")
        self.remove_class("filtering")
        self.runs_table.focus()

    # -- sorting, marks, metrics ----------------------------------------------------------

    def action_sort_next(self) -> None:
        """Sort by the next column in the cycle."""
        self.sort_index = (self.sort_index + 1) % len(SORT_MODES)
        self.refresh_view()

    def action_sort_reverse(self) -> None:
        """Reverse the current order."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_view()

    def sort_by(self, key: str) -> None:
        """Sort by the mode named ``key`` (for the command palette)."""
        self.sort_index = next(i for i, m in enumerate(SORT_MODES) if m.key == key)
        self.refresh_view()

    def action_clear_marks(self) -> None:
        """Unmark every run."""
        self.marked.clear()
        self.refresh_view()

    def action_mark(self) -> None:
        """Mark or unmark the run under the cursor and move down."""
        table = self.runs_table
        name = table.current_run
        if name is None:
            return
        self.marked.symmetric_difference_update({name})
        self.refresh_view()
        table.action_cursor_down()

    def action_pick_metric(self) -> None:
        """Choose the metric columns from the tags seen."""
        if self.snapshot is None:
            return
        counts = self.snapshot.tag_counts
        tags = sorted(counts, key=lambda t: (-counts[t], t))
        self.push_screen(MetricPicker(tags, self.snapshot.metrics), self.set_primary_metric)

    def set_primary_metric(self, tag: str | None) -> None:
        """Show ``tag`` as the first metric column (keeping up to two others)."""
        if not tag:
            return
        current = self.session.wanted_metrics or (self.snapshot.metrics if self.snapshot else ())
        self.session.set_metrics((tag, *[t for t in current if t != tag])[:MAX_METRICS])
