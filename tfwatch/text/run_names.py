"""Run names shortened to a column's width, every one still told apart from the others.

What a reader needs from the name column is which run a row is. For the names on screen:

1. Unsafe characters are escaped (:func:`printable`).
2. The leading path components that every name shares are dropped, to be shown once
   (the column's header). A name's last component is never dropped.
3. A name that fits is shown whole. A longer one is cut, ``…`` standing for what was
   cut: first its directories, the longest first, down to the fewest characters that
   tell each from its siblings (the components of other names at the same place), then
   its last component likewise, keeping its start and end; failing that the directories
   go (``…/seed=3``), then the name is cut as one string around what differs.
4. A cut form is kept only if it could stand for no other name on screen, reading each
   ``…`` as "one or more characters of anything". Every name's form stands for itself,
   so two names can never share one. A name left without such a form (``aaa`` beside
   ``aaaa``, or two names escaped alike) is cut shorter and numbered (``aa…~1``).

Widths are terminal cells and cuts fall between graphemes (:mod:`cell_cuts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rich.cells import cell_len

from tfwatch.text.cell_cuts import (
    ELLIPSIS,
    cut_middle,
    head,
    prefix_cells,
    suffix_cells,
    tail,
)
from tfwatch.text.run_name_index import NameIndex, unique_prefix_lengths
from tfwatch.text.safe_text import printable

SEP = "/"
#: The narrowest width at which every form fits (a cut keeps a character, the ellipsis
#: and room for a number when names collide).
MIN_WIDTH = 8


@dataclass(frozen=True)
class ShortNames:
    """How a set of run names shows in a column."""

    #: The leading components every name shares, escaped, with their trailing ``/``
    #: ("" when they share none): shown once, not on every row.
    prefix: str
    #: Each name → the text its row shows (escaped, without the prefix, fitted).
    shown: Mapping[str, str]


def shorten_names(names: Iterable[str], width: int) -> ShortNames:
    """The forms of ``names`` for a column ``width`` cells wide (see the module doc)."""
    return _shorten(tuple(sorted(set(names))), width)


def shared_prefix(names: Iterable[str]) -> str:
    """The leading whole components every one of ``names`` shares, escaped, with a
    trailing ``/`` ("" when none); a name's last component is never part of it."""
    return _prefix_and_tails(tuple(sorted(set(names))))[0]


class NameNeeds(NamedTuple):
    """What a name column needs to show a set of names whole."""

    #: The leading components they all share, escaped, with their trailing ``/``.
    prefix: str
    #: Cells the widest takes without the prefix.
    widest: int
    #: Whether every name is its own escaped form: then, where the column is
    #: ``widest`` wide, each name shows as itself without the prefix.
    plain: bool


def prefix_and_widest(names: Iterable[str]) -> NameNeeds:
    """:func:`shared_prefix` of ``names`` and the cells the widest takes without it, at
    a cost linear in the names (a filter keystroke asks it of thousands): each name's
    components and width are kept, and the components every name shares are those the
    least and the greatest name (as lists of components) share."""
    parts, widths = [], []
    plain = True
    for name in names:
        held = _PARTS.get(name)
        if held is None:
            if len(_PARTS) > _PARTS_KEPT:
                _PARTS.clear()
            safe = printable(name)
            held = _PARTS[name] = (safe.split(SEP), cell_len(safe), safe == name)
        parts.append(held[0])
        widths.append(held[1])
        plain = plain and held[2]
    if not parts:
        return NameNeeds("", 0, True)
    least, greatest = min(parts), max(parts)
    shared = min(map(len, parts)) - 1  # (a name's last component is never shared)
    for k in range(shared):
        if least[k] != greatest[k]:
            shared = k
            break
    prefix = "".join(c + SEP for c in least[:shared])
    return NameNeeds(prefix, max(widths) - cell_len(prefix), plain)


#: Per name: its escaped components, its width, whether it is its own escaped form.
_PARTS: dict[str, tuple[list[str], int, bool]] = {}
_PARTS_KEPT = 200_000


@lru_cache(maxsize=16)
def _prefix_and_tails(names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    parts = [printable(n).split(SEP) for n in names]
    if not parts:
        return "", ()
    shared = min(len(p) for p in parts) - 1
    for k in range(shared):
        if any(p[k] != parts[0][k] for p in parts):
            shared = k
            break
    prefix = "".join(c + SEP for c in parts[0][:shared])
    return prefix, tuple(SEP.join(p[shared:]) for p in parts)


@lru_cache(maxsize=16)
def _shorten(names: tuple[str, ...], width: int) -> ShortNames:
    prefix, tails = _prefix_and_tails(names)
    return ShortNames(prefix, dict(zip(names, distinct_forms(tails, width), strict=True)))


def distinct_forms(texts: Sequence[str], width: int) -> list[str]:
    """A form of each of ``texts`` (safe text, ``/`` between components) in at most
    ``width`` cells where ``width`` ≥ :data:`MIN_WIDTH`; forms of different texts differ,
    and so do those of equal texts (numbered)."""
    if len(set(texts)) == len(texts) and all(cell_len(t) <= width for t in texts):
        return list(texts)  # every text fits whole: none is cut, none numbered
    index = NameIndex(texts)
    components = [t.split(SEP) for t in texts]
    hints = _sibling_hints(components)
    firsts, lasts = unique_prefix_lengths(texts), unique_prefix_lengths(texts, reverse=True)
    forms: list[str | None] = [None] * len(texts)
    for i, text in enumerate(texts):
        if index.count(text) > 1:
            continue  # escaped alike: numbered below
        if cell_len(text) <= width:
            forms[i] = text
            continue
        candidates = _candidates(text, components[i], hints[i], firsts[i], lasts[i], width)
        forms[i] = next((c for c in candidates if index.stands_only_for(c, text)), None)
    taken = {f for f in forms if f is not None}
    for i in sorted((i for i, f in enumerate(forms) if f is None), key=lambda i: texts[i]):
        numbered = _numbered(texts[i], width, taken)
        forms[i] = numbered
        taken.add(numbered)
    return [f or "" for f in forms]


def _numbered(text: str, width: int, taken: set[str]) -> str:
    number = 1
    while True:
        tag = f"~{number}"
        form = cut_middle(text, width - len(tag)) + tag
        if form not in taken:
            return form
        number += 1


#: (characters of a unique start, of a unique end) of a component among its siblings;
#: None where no start (end) of it is unique: it starts (ends) another sibling.
Hint = tuple[int | None, int | None]


def _sibling_hints(components: list[list[str]]) -> list[list[Hint]]:
    """For each component of each name, how much of its start and end tells it from its
    siblings: the other components found at the same place after the same parents."""
    siblings: dict[tuple[str, ...], set[str]] = {}
    for parts in components:
        for k, part in enumerate(parts):
            siblings.setdefault(tuple(parts[:k]), set()).add(part)
    found: dict[tuple[str, ...], dict[str, Hint]] = {}
    for parent, group in siblings.items():
        ordered = sorted(group)
        starts = unique_prefix_lengths(ordered)
        ends = unique_prefix_lengths(ordered, reverse=True)
        found[parent] = {c: (starts[i], ends[i]) for i, c in enumerate(ordered)}
    return [[found[tuple(parts[:k])][p] for k, p in enumerate(parts)] for parts in components]


def _candidates(
    text: str,
    parts: list[str],
    hints: list[Hint],
    first: int | None,
    last: int | None,
    width: int,
) -> Iterable[str]:
    """Forms of ``text`` that fit ``width``, the most readable first: the last component
    whole if it can be (its directories cut to what tells them apart, else to a window
    around where they differ), then cut too."""
    fitted = _fit_components(parts, hints, width)
    leaf_whole = fitted is not None and fitted.endswith(SEP + parts[-1])
    if fitted is not None and (leaf_whole or len(parts) == 1):
        yield fitted
    if len(parts) > 1:
        loose = _fit_components(parts, hints, width, loose=True)
        if loose is not None:
            yield loose
        if fitted is not None and not leaf_whole:
            yield fitted
        leaf_room = width - len(ELLIPSIS + SEP)
        if leaf_room >= 2:
            yield ELLIPSIS + SEP + _abbreviate(parts[-1], leaf_room, hints[-1])
    yield from _whole_cuts(text, first, last, width)


def _fit_components(
    parts: list[str], hints: list[Hint], width: int, loose: bool = False
) -> str | None:
    """Each component cut to a share of ``width``: the last component keeps what the
    directories' shortest forms leave (all of it if it can); the directories share the
    rest, the widest cut first, none below what tells it from its siblings. None when
    even those shortest forms do not fit. ``loose``: the last component whole, the
    directories cut further, to a window around where they differ from their siblings."""
    sizes = [cell_len(p) for p in parts]
    least = [_least_cells(p, h, s) for p, h, s in zip(parts, hints, sizes, strict=True)]
    if loose:
        least = [min(s, WINDOW_LEAST) for s in sizes[:-1]] + [sizes[-1]]
    room = width - (len(parts) - 1)  # the separators
    leaf = min(sizes[-1], room - sum(least[:-1]))
    if leaf < least[-1]:
        return None
    dirs = _water_level(sizes[:-1], least[:-1], room - leaf)
    if dirs is None:
        return None
    budgets = [*dirs, leaf]
    return SEP.join(
        p if b >= s else _abbreviate(p, b, h)
        for p, b, s, h in zip(parts, budgets, sizes, hints, strict=True)
    )


#: The fewest cells of a window form (``…x…``).
WINDOW_LEAST = 3


def _least_cells(part: str, hint: Hint, size: int) -> int:
    """Cells of the shortest cut form of ``part`` that its siblings do not share."""
    start, end = hint
    options = [size]
    if start is not None:
        options.append(prefix_cells(part, start) + 1)
    if end is not None:
        options.append(suffix_cells(part, end) + 1)
    return min(options)


def _water_level(sizes: list[int], least: list[int], room: int) -> list[int] | None:
    """Budgets for ``sizes`` summing to at most ``room``: every size above some level is
    cut down to it (not below its ``least``). None when the least do not fit."""
    if sum(least) > room:
        return None
    if sum(sizes) <= room:
        return list(sizes)
    low, high = 0, max(sizes)
    while low < high:  # the highest level whose budgets fit
        mid = (low + high + 1) // 2
        if sum(max(m, min(s, mid)) for s, m in zip(sizes, least, strict=True)) <= room:
            low = mid
        else:
            high = mid - 1
    return [max(m, min(s, low)) for s, m in zip(sizes, least, strict=True)]


def _abbreviate(part: str, cells: int, hint: Hint) -> str:
    """``part`` cut to ``cells`` cells, keeping a start or an end that its siblings do
    not share where there is room for one (both ends balanced when either is)."""
    if cell_len(part) <= cells:
        return part
    keep = cells - 1
    balanced = keep // 2
    start, end = hint
    start_cells = prefix_cells(part, start) if start is not None else None
    end_cells = suffix_cells(part, end) if end is not None else None
    if (start_cells is not None and start_cells <= balanced) or (
        end_cells is not None and end_cells <= keep - balanced
    ):
        return cut_middle(part, cells, balanced)
    if start_cells is not None and start_cells <= keep:
        return cut_middle(part, cells, start_cells)
    if end_cells is not None and end_cells <= keep:
        return cut_middle(part, cells, keep - end_cells)
    if start is not None:  # neither end fits: the middle where it differs
        window = _window_only(part, start - 1, cells)
        if window is not None:
            return window
    return cut_middle(part, cells, balanced)


def _window_only(part: str, around: int, cells: int) -> str | None:
    """``…middle…`` in ``cells`` cells, the middle holding character ``around``; each
    ``…`` stands for at least one character. None where that cannot be."""
    keep = cells - 2
    if keep < 1 or not 0 < around < len(part) - 1:
        return None
    lead = tail(part[1:around], (keep - 1) // 2)
    begin = around - len(lead)
    middle = head(part[begin : len(part) - 1], keep)
    if begin + len(middle) <= around:
        return None  # a wide character did not fit
    return ELLIPSIS + middle + ELLIPSIS


def _whole_cuts(text: str, first: int | None, last: int | None, width: int) -> Iterable[str]:
    """``text`` cut as one string: keeping a unique start, a unique end, then a window
    around where it first differs from the name that shares most of its start."""
    keep = width - 1
    if first is not None and prefix_cells(text, first) <= keep:
        yield cut_middle(text, width, prefix_cells(text, first))
    if last is not None and suffix_cells(text, last) <= keep:
        yield cut_middle(text, width, keep - suffix_cells(text, last))
    yield cut_middle(text, width)
    for differs in (first, None if last is None else len(text) - last):
        if differs is not None:
            yield from _window(text, differs, width)


def _window(text: str, around: int, width: int) -> Iterable[str]:
    """``start…middle…end``: the middle holds character ``around`` (what differs), and
    each ``…`` stands for at least one character."""
    keep = width - 2
    ends = keep // 4
    middle = keep - 2 * ends
    if ends < 1 or not 0 < around < len(text):
        return
    lead = tail(text[:around], middle // 2)
    trail = head(text[around:], middle - cell_len(lead))
    begin, end = around - len(lead), around + len(trail)
    before, behind = head(text[:begin], ends), tail(text[end:], ends)
    if len(before) < begin and len(behind) < len(text) - end:
        yield before + ELLIPSIS + text[begin:end] + ELLIPSIS + behind
