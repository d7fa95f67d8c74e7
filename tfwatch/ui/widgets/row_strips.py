"""Rows of the runs table drawn as Strips, kept while what they show is the same.

A row's Strip is built from its cells only when the row is on screen and something it
shows changed (its summary object, mark, shown name, age text, place in the zebra, the
cursor): a tick that changed nothing off screen costs nothing here.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tfwatch.ui.columns import CELL_PADDING, Column


@dataclass(frozen=True)
class RowStyles:
    """The styles a row is drawn in (from the table's component classes)."""

    header: Style
    even: Style
    odd: Style
    cursor: Style

    def row(self, index: int, cursor: bool) -> tuple[Style, Style]:
        """(pre, post) styles of row ``index``: zebra under the cells' own styles, and
        the cursor's colour over them (as DataTable draws its row cursor)."""
        zebra = self.even if index % 2 == 0 else self.odd
        if not cursor:
            return zebra, Style.null()
        return zebra + self.cursor, Style.from_color(color=self.cursor.color)


def line_strip(
    cells: Sequence[Text], columns: Sequence[Column], width: int, pre: Style, post: Style,
    console: Console,
) -> Strip:  # fmt: skip
    """One table line: each cell cut or padded to its column with a space either side,
    the rest of ``width`` filled in the row's style. ``pre`` goes under the cells' own
    styles (the line's base style: Text.render combines each style once), ``post`` over
    them (a span over the whole line, after the cells')."""
    line = Text(style=pre, no_wrap=True, end="")
    pad = " " * (CELL_PADDING // 2)
    for col, cell in zip(columns, cells, strict=False):
        if cell.cell_len != col.width:
            cell = cell.copy()
            cell.truncate(col.width, overflow="crop", pad=True)
        line.append(pad)
        line.append_text(cell)
        line.append(pad)
    rest = width - line.cell_len
    if rest > 0:
        line.append(" " * rest)
    if post:
        line.stylize(post)
    strip = Strip(line.render(console))
    return strip.crop(0, width) if rest < 0 else strip


class StripCache:
    """Per row key: the Strip drawn last and what it showed (any hashable signature)."""

    def __init__(self) -> None:
        self._strips: dict[str, tuple[Hashable, Strip]] = {}
        #: What every Strip depends on (columns, width, styles): a change drops them all.
        self._common: Hashable = None

    def check_common(self, common: Hashable) -> None:
        """Drop every Strip when the columns, width or styles are not those they used."""
        if common != self._common:
            self._strips.clear()
            self._common = common

    def get(self, key: str, signature: Hashable) -> Strip | None:
        """The Strip of ``key`` if it was drawn for ``signature``."""
        held = self._strips.get(key)
        if held is not None and held[0] == signature:
            return held[1]
        return None

    def put(self, key: str, signature: Hashable, strip: Strip) -> None:
        self._strips[key] = (signature, strip)

    def forget_except(self, keys: set[str] | dict[str, int]) -> None:
        """Drop the Strips of rows no longer in the table."""
        for key in [k for k in self._strips if k not in keys]:
            del self._strips[key]

    def __len__(self) -> int:
        return len(self._strips)
