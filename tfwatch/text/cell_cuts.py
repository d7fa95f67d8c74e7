"""Cutting text to a number of terminal cells at grapheme boundaries.

Widths are what a terminal shows (rich's measure: CJK and most emoji take two cells,
combining marks none), and a cut never splits a grapheme, so an accent or an emoji
sequence stays whole on the side that keeps it.
"""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len, split_graphemes

ELLIPSIS = "…"


@lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[tuple[int, int, int], ...]:
    """(start, end, cells) of each grapheme of ``text``."""
    spans, _ = split_graphemes(text)
    return tuple((start, end, cells) for start, end, cells in spans)


def _single_cells(text: str) -> bool:
    """Whether every character of ``text`` takes one cell (then slicing is cutting)."""
    return text.isascii() and text.isprintable()


def head(text: str, cells: int) -> str:
    """The longest start of ``text`` that takes at most ``cells`` cells."""
    if _single_cells(text):
        return text[: max(0, cells)]
    used, end = 0, 0
    for _, stop, size in _spans(text):
        if used + size > cells:
            break
        used, end = used + size, stop
    return text[:end]


def tail(text: str, cells: int) -> str:
    """The longest end of ``text`` that takes at most ``cells`` cells."""
    if _single_cells(text):
        return text[len(text) - max(0, cells) :] if cells > 0 else ""
    used, start = 0, len(text)
    for begin, _, size in reversed(_spans(text)):
        if used + size > cells:
            break
        used, start = used + size, begin
    return text[start:]


def prefix_cells(text: str, chars: int) -> int:
    """Cells of the shortest start of ``text`` that holds ``chars`` characters (whole
    graphemes: a cut after a base letter keeps its accents)."""
    if chars <= 0:
        return 0
    if _single_cells(text):
        return min(chars, len(text))
    used = 0
    for _, stop, size in _spans(text):
        used += size
        if stop >= chars:
            break
    return used


def suffix_cells(text: str, chars: int) -> int:
    """Cells of the shortest end of ``text`` that holds ``chars`` characters."""
    if chars <= 0:
        return 0
    if _single_cells(text):
        return min(chars, len(text))
    used = 0
    for begin, _, size in reversed(_spans(text)):
        used += size
        if len(text) - begin >= chars:
            break
    return used


def cut_middle(text: str, cells: int, head_cells: int | None = None) -> str:
    """``text`` in at most ``cells`` cells, its middle replaced by ``…`` when it is wider;
    ``head_cells``: how many cells the start keeps (by default a little less than the
    end, whose last characters tell runs apart more often: seeds, steps)."""
    if cell_len(text) <= cells:
        return text
    if cells <= 0:
        return ""
    keep = cells - 1
    first = keep // 2 if head_cells is None else max(0, min(head_cells, keep))
    start = head(text, first)  # a wide character may leave a cell: the end takes it
    return start + ELLIPSIS + tail(text, keep - cell_len(start))
