"""Rows of the runs table drawn as Strips, kept while what they show is the same.

A row's Strip is built from its cells only when the row is on screen and something it
shows changed (its summary object, mark, shown name, age text, place in the zebra, the
cursor): a tick that changed nothing off screen costs nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rich.console import Console
from rich.segment import Segment
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
    styles, ``post`` over them (as a span over the whole line, after the cells', would).

    Each cell becomes pieces by itself, each piece's style made once per distinct
    combination (:func:`_stack`), and neighbours in one style are joined into one
    segment (as one Text rendered them: fewer for Textual to filter, and an exported
    screen keeps its spaces in their text). A new screen of rows (a sort keystroke, a
    page) draws ~50 lines: rendering each as one Text with every cell's spans cost three
    times as much."""
    segments: list[Segment] = []
    texts: list[str] = []  # the pieces of the segment being joined, in ``current`` style
    current = outer = _stack(pre, post)
    pad = " " * (CELL_PADDING // 2)

    def piece(text: str, style: Style) -> None:
        nonlocal current
        if style is not current:
            if texts:
                segments.append(Segment("".join(texts), current))
                texts.clear()
            current = style
        texts.append(text)

    used = 0
    for col, cell in zip(columns, cells, strict=False):
        length = cell.cell_len
        if length > col.width:
            cell = cell.copy()
            cell.truncate(col.width, overflow="crop")
            length = cell.cell_len
        piece(pad, outer)
        own = _cell_pieces(cell, pre, post, console, piece)
        if length < col.width:  # (padded in the cell's own style, as Text.truncate pads)
            piece(" " * (col.width - length), own)
        piece(pad, outer)
        used += col.width + CELL_PADDING
    if used < width:
        piece(" " * (width - used), outer)
    if texts:
        segments.append(Segment("".join(texts), current))
    strip = Strip(segments, max(used, width))
    return strip.crop(0, width) if used > width else strip


def _cell_pieces(
    cell: Text, pre: Style, post: Style, console: Console, piece: Callable[[str, Style], None]
) -> Style:
    """Hand ``cell``'s pieces to ``piece`` in their full styles; return the style of the
    cell's own text (what its padding takes)."""
    mine = _stack(pre, console.get_style(cell.style)) if cell.style else pre
    whole = _stack(mine, post)
    plain, spans = cell.plain, cell.spans
    if not spans:
        piece(plain, whole)
        return whole
    ordered = sorted(spans)
    if all(a.end <= b.start for a, b in pairwise(ordered)):
        at = 0  # spans side by side (the cells' usual case): each over the cell's style
        for start, end, style in ordered:
            if start > at:
                piece(plain[at:start], whole)
            if end > start:
                piece(plain[start:end], _stack(_stack(mine, console.get_style(style)), post))
            at = max(at, end)
        if at < len(plain):
            piece(plain[at:], whole)
    else:  # spans over spans: rich combines them
        for segment in cell.render(console):
            piece(segment.text, _by_value(pre, segment.style, post))
    return whole


def _stack(under: Style, over: Style | None) -> Style:
    """``over`` on top of ``under``, made once per pair of objects (looked up by
    identity, both kept alive by the entry: styles parsed from names are cached by
    rich, so the same pairs come again), one object per distinct result."""
    if not over:
        return under
    key = (id(under), id(over))
    held = _STACKED.get(key)
    if held is not None:
        return held[2]
    if len(_STACKED) > 4096:
        _STACKED.clear()
    stacked = under + over
    style = _ONE.setdefault(stacked, stacked)
    _STACKED[key] = (under, over, style)
    return style


def _by_value(pre: Style, style: Style | None, post: Style) -> Style:
    """``pre``, ``style`` and ``post`` stacked, for styles rich made anew."""
    if len(_ONE) > 4096:
        _ONE.clear()
    stacked = pre + style if style else pre
    stacked = stacked + post if post else stacked
    return _ONE.setdefault(stacked, stacked)


_STACKED: dict[tuple[int, int], tuple[Style, Style, Style]] = {}
#: Every style made here, by value: equal styles are one object.
_ONE: dict[Style, Style] = {}


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
