"""A table line drawn cell by cell shows, character for character and style for style,
what the same cells drawn as one rich Text show."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tests.demo_runs import FIXED_NOW
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.loading import load_once
from tfwatch.ui.columns import CELL_PADDING, Column, all_columns, row_cells
from tfwatch.ui.widgets.row_strips import RowStyles, line_strip


def _as_one_text(
    cells: list[Text], columns: list[Column], width: int, pre: Style, post: Style, console: Console
) -> Strip:
    """The reference: every cell appended to one Text, padded or cut, rendered once."""
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


def _cells_of(strip: Strip) -> list[tuple[str, Style | None]]:
    return [(ch, seg.style) for seg in strip for ch in seg.text]


def test_lines_match_the_one_text_rendering(demo_root: Path) -> None:
    snap = SnapshotBuilder().build(load_once([str(demo_root)]).runs, FIXED_NOW)
    console = Console(width=200, color_system="truecolor")
    styles = RowStyles(
        Style(bold=True),
        Style(bgcolor="grey11", color="red"),
        Style(bgcolor="grey15", italic=False),
        Style(bgcolor="blue", color="white", bold=True),
    )  # fmt: skip
    columns = [
        dataclasses.replace(c, width=w)
        for c in all_columns(snap.metrics, (), snap.tag_counts, True)
        for w in (c.width, 3)  # as wide as the column wants, and too narrow (cut)
    ]
    runs = list(snap.runs.values())
    checked = 0
    for i, run in enumerate(runs):
        for marked in (False, True):
            cells = row_cells(run, columns, marked, FIXED_NOW, run.name[:5] + "日本")
            for width in (40, 400):  # cut at the screen's edge, and padded to it
                for cursor in (False, True):
                    pre, post = styles.row(i, cursor)
                    got = line_strip(cells, columns, width, pre, post, console)
                    want = _as_one_text(cells, columns, width, pre, post, console)
                    assert got.cell_length == want.cell_length == width
                    assert _cells_of(got) == _cells_of(want), (run.name, width, cursor)
                    checked += 1
    assert checked >= 6 * 8
