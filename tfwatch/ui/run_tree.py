"""Runs as a tree by directory: each directory shown once, its runs indented under it.

Pure: names in, rows out (no Textual). The tree keeps the table's order: a directory
takes the place of the first of its runs in that order, so sorting by value still puts
the best directory on top. A directory with a single entry is not a row of its own
(``a/b`` shows on one line), and a run whose directory holds other runs heads them.
Labels are shortened among their siblings like flat names (:mod:`run_names`), in what
the indentation leaves of the width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rich.cells import cell_len

from tfwatch.text.run_names import MIN_WIDTH, SEP, distinct_forms, shared_prefix
from tfwatch.text.safe_text import printable

#: Row keys of directory rows start with this (no run name holds a NUL character).
DIR_KEY = "\0dir:"
#: Cells of indentation per level.
INDENT = 2


@dataclass(frozen=True)
class TreeRow:
    """One line of the tree."""

    #: The table's row key: the run's name, or :data:`DIR_KEY` and the directory's path.
    key: str
    #: The run this row shows; None for a directory.
    run: str | None
    #: Indentation, then the (shortened, escaped) label; a directory's ends with ``/``.
    text: str


@dataclass
class _Node:
    run: str | None = None
    children: dict[str, _Node] = field(default_factory=dict)


def tree_rows(names: Sequence[str], width: int) -> tuple[TreeRow, ...]:
    """The rows of the tree of ``names`` (in display order), each at most ``width``
    cells where it can be; their shared prefix is left out (shown in the header)."""
    return _tree_rows(tuple(names), width)


@lru_cache(maxsize=8)  # asked again on every tick while the runs and their order hold
def _tree_rows(names: tuple[str, ...], width: int) -> tuple[TreeRow, ...]:
    root = _Node()
    shared = shared_prefix(names).count(SEP)
    for name in names:
        node = root
        for part in name.split(SEP)[shared:]:
            node = node.children.setdefault(part, _Node())
        node.run = name
    rows: list[TreeRow] = []
    _emit(root, "", 0, width, rows)
    return tuple(rows)


def tree_width(names: Sequence[str]) -> int:
    """Cells the widest row of the tree of ``names`` needs to show unshortened (with the
    cell kept for a directory's ``/`` beside it)."""
    return max((cell_len(r.text) + 1 for r in tree_rows(names, 10**6)), default=0)


def _emit(node: _Node, path: str, depth: int, width: int, rows: list[TreeRow]) -> None:
    entries: list[tuple[str, _Node]] = []
    for label, child in node.children.items():
        while child.run is None and len(child.children) == 1:  # a chain: one line
            ((part, only),) = child.children.items()
            label, child = label + SEP + part, only
        entries.append((label, child))
    levels = min(depth, max(0, (width - MIN_WIDTH) // INDENT))
    indent = " " * (INDENT * levels)
    room = width - len(indent) - 1  # a directory's "/"
    forms = distinct_forms([printable(label) for label, _ in entries], room)
    for (label, child), form in zip(entries, forms, strict=True):
        child_path = path + label + SEP
        if child.run is not None:
            rows.append(TreeRow(child.run, child.run, indent + form))
        else:
            rows.append(TreeRow(DIR_KEY + child_path, None, indent + form + SEP))
        _emit(child, child_path, depth + 1, width, rows)
