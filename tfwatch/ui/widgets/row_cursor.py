"""A table drawn in a ScrollView under a one-line header, with a row cursor: the keys
and clicks that move it, and the scrolling that keeps it in view."""

from __future__ import annotations

from textual import events
from textual.scroll_view import ScrollView


class RowCursor(ScrollView):
    """The cursor of a line-drawn table; the table says how many rows it has and what
    selecting the cursor's row does."""

    cursor_row = 0

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def action_select_cursor(self) -> None:
        raise NotImplementedError

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _clamp(self, row: int) -> int:
        return max(0, min(row, self.row_count - 1))

    def _scroll_to_cursor(self) -> None:
        top, body = int(self.scroll_offset.y), self._body_height()
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False, immediate=True)

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on ``row`` (clamped to the table), scrolled into view."""
        old, self.cursor_row = self.cursor_row, self._clamp(row)
        if old != self.cursor_row:
            top = int(self.scroll_offset.y)
            self.refresh_line(old - top + 1)
            self.refresh_line(self.cursor_row - top + 1)
        if scroll:
            self._scroll_to_cursor()

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self._body_height())

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self._body_height())

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    def on_click(self, event: events.Click) -> None:
        """A click on a row puts the cursor there; a click on the cursor's row opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if row >= self.row_count:
            return
        event.stop()
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)
