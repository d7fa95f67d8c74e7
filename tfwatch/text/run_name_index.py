"""Which names a shortened form could stand for, asked of a sorted index.

A form is a name with parts replaced by ``…``; read as a pattern, each ``…`` stands for
one or more characters of anything. Only the names that start with the form's first
piece and end with its last can match: the index finds them by bisection, from whichever
end leaves fewer to test, so a thousand names cost milliseconds, not a scan each.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

from tfwatch.text.cell_cuts import ELLIPSIS


def unique_prefix_lengths(texts: Sequence[str], reverse: bool = False) -> list[int | None]:
    """For each of ``texts``, how many of its first characters (last, with ``reverse``)
    no other text starts (ends) with; None when the whole text starts (ends) another."""
    keyed = [t[::-1] if reverse else t for t in texts]
    order = sorted(range(len(keyed)), key=keyed.__getitem__)
    shared = [0] * len(keyed)
    for a, b in itertools.pairwise(order):
        common = _common_length(keyed[a], keyed[b])
        shared[a], shared[b] = max(shared[a], common), max(shared[b], common)
    return [s + 1 if s < len(t) else None for s, t in zip(shared, keyed, strict=True)]


def _common_length(a: str, b: str) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class NameIndex:
    """The names on screen, sorted from the start and from the end."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._counts = Counter(texts)
        self._forward = sorted(self._counts)
        self._backward = sorted(t[::-1] for t in self._counts)

    def count(self, text: str) -> int:
        """How many times ``text`` is among the names."""
        return self._counts[text]

    def stands_only_for(self, form: str, text: str) -> bool:
        """Whether ``form`` (a cut form of ``text``) could stand for no other name."""
        pieces = form.split(ELLIPSIS)
        if len(pieces) == 1:
            return form == text or form not in self._counts
        first, last = pieces[0], pieces[-1]
        f_low, f_high = _range_starting_with(self._forward, first)
        b_low, b_high = _range_starting_with(self._backward, last[::-1])
        if f_high - f_low <= b_high - b_low:
            candidates: Iterable[str] = self._forward[f_low:f_high]
        else:
            candidates = (t[::-1] for t in self._backward[b_low:b_high])
        least = sum(len(p) for p in pieces) + len(pieces) - 1
        for other in candidates:
            if other != text and len(other) >= least and _matches(pieces, other):
                return False
        return True


def _matches(pieces: list[str], text: str) -> bool:
    """Whether ``text`` is ``pieces`` joined by one or more characters each. Each middle
    piece is taken at its leftmost place, which leaves the most room for the rest."""
    first, last = pieces[0], pieces[-1]
    if not (text.startswith(first) and text.endswith(last)):
        return False
    position = len(first)
    for piece in pieces[1:-1]:
        found = text.find(piece, position + 1)
        if found < 0:
            return False
        position = found + len(piece)
    return len(text) - len(last) > position


def _range_starting_with(ordered: list[str], start: str) -> tuple[int, int]:
    """The slice of ``ordered`` whose items begin with ``start``."""
    low = bisect.bisect_left(ordered, start)
    high = bisect.bisect_left(ordered, start + _LAST_CHARACTER, low)
    while high < len(ordered) and ordered[high].startswith(start):
        high += 1  # items that go on with the last character itself
    return low, high


_LAST_CHARACTER = chr(0x10FFFF)
