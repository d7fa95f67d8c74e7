"""The runs table's rows and the names they show, kept while the names are.

A row per run, named by the run's name without the prefix all shown names share (the
column's header shows it), cut to the column so that no two look alike
(:mod:`tfwatch.text.run_names`), or a tree of directories (:mod:`tfwatch.ui.run_tree`).
Working that out reads every name; a tick whose runs keep their names and order, or a
sort keystroke that keeps their set, does not do it again (told by tokens from
:class:`~tfwatch.ui.visible_runs.VisibleRuns`). Where every name fits whole, each row's
text is cut from its name only when the row is drawn.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import overload

from tfwatch.live.view_models import RunSummary
from tfwatch.text.run_names import NameNeeds, prefix_and_widest, shared_prefix, shorten_names
from tfwatch.ui.run_tree import tree_rows, tree_width

_run_name = attrgetter("name")


@dataclass(frozen=True)
class Rows:
    """The table's rows in order: per row its key, the run it shows (None for a
    directory of the tree) and the name as shown."""

    keys: Sequence[str]
    names: Sequence[str | None]
    texts: Sequence[str]


class Tails(Sequence[str]):
    """Each name without its first ``cut`` characters, made when a row asks."""

    def __init__(self, names: Sequence[str], cut: int) -> None:
        self._names = names
        self._cut = cut

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [name[self._cut :] for name in self._names[index]]
        return self._names[index][self._cut :]


class RowNames:
    """What the table's rows are and show, for the runs it is given, remembered."""

    def __init__(self) -> None:
        self._rows: tuple[Hashable, list[str], tuple[int, bool], Rows]
        self._rows = (None, [], (-1, False), Rows([], [], []))
        self._short: tuple[Hashable, int, Mapping[str, str]] = (None, -1, {})
        #: (as a tree, the caller's token for the names, the needs, and for a flat
        #: list what they were made of).
        self._needs: tuple[bool, Hashable, tuple[int, str], NameNeeds | None] | None = None

    def needs(self, runs: Sequence[RunSummary], names: Hashable, as_tree: bool) -> tuple[int, str]:
        """(cells, header): what the name column needs to show ``runs`` whole, and the
        prefix they all share, which its header shows instead of every row. ``names``:
        a token that is the same only for the same set of names (kept while it is)."""
        held = self._needs
        if names is not None and held is not None and held[:2] == (as_tree, names):
            return held[2]
        plain: NameNeeds | None = None
        if as_tree:
            unique = sorted({r.name for r in runs})
            needs = (tree_width(unique), shared_prefix(unique))
        else:
            plain = prefix_and_widest(map(_run_name, runs))
            needs = (plain.widest, plain.prefix)
        self._needs = (as_tree, names, needs, plain)
        return needs

    def rows(
        self,
        runs: Sequence[RunSummary],
        makers: bool,
        order: tuple[Hashable, Hashable] | None,
        width: int,
        as_tree: bool,
    ) -> Rows:
        """The rows that show ``runs``; kept while the names, their order and the
        column's width are (told by ``order``, or by comparing the names); the names'
        shortening while their set is."""
        if makers:
            keys: list[str] = list(map(_run_name, runs))
            return Rows(keys, keys, [""] * len(runs))  # (their makers draw the names)
        look = (width, as_tree)
        held_order, held_names, held_look, held_rows = self._rows
        if order is not None and held_order == order and held_look == look:
            return held_rows
        names: list[str] = list(map(_run_name, runs))
        if held_look == look and held_names == names:
            rows = held_rows
        elif as_tree:
            tree = tree_rows(names, width)
            rows = Rows([r.key for r in tree], [r.run for r in tree], [r.text for r in tree])
        elif (cut := self._whole_names_cut(width, None if order is None else order[1])) is not None:
            rows = Rows(names, names, Tails(names, cut))
        else:
            shown = self._short_forms(names, width, None if order is None else order[1])
            rows = Rows(names, names, list(map(shown.__getitem__, names)))
        self._rows = (order, names, look, rows)
        return rows

    def _whole_names_cut(self, width: int, names_token: Hashable) -> int | None:
        """Where every name is its own escaped form and fits ``width`` without the
        prefix they share (as :meth:`needs` found for ``names_token``), the length
        of that prefix: each row shows its name from there, cut when drawn."""
        held = self._needs
        if names_token is None or held is None or held[:2] != (False, names_token):
            return None
        needs = held[3]
        if needs is None or not needs.plain or needs.widest > width:
            return None
        return len(needs.prefix)

    def _short_forms(
        self, names: list[str], width: int, names_token: Hashable
    ) -> Mapping[str, str]:
        """Each name's shown form at ``width``, kept while the set of names is (told by
        ``names_token``: a new order of the same runs need not sort them again)."""
        held_token, held_width, held_forms = self._short
        if names_token is not None and held_token == names_token and held_width == width:
            return held_forms
        forms = shorten_names(names, width).shown
        self._short = (names_token, width, forms)
        return forms
