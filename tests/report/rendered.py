"""Readers for the rendered reports: Markdown through markdown-it-py, HTML through html.parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt

# GitHub renders raw HTML in comments (sanitised); html=True lets injected markup show up.
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


class HtmlDoc(HTMLParser):
    """Every start tag (with its attributes) and the text of an HTML document."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.cells: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.cells.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.cells:
            self.cells[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}


@dataclass
class MdTable:
    """One table: its source lines and its cells as rendered text."""

    lines: list[str]
    rows: list[list[str]] = field(default_factory=list)


def cell_count(line: str) -> int:
    """Cells in a GFM table source line: unescaped pipes minus the outer pair, plus one."""
    pipes = 0
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "|":
            pipes += 1
        i += 1
    return pipes - 1


def markdown_tables(source: str) -> list[MdTable]:
    """The tables markdown-it finds in ``source``, cells rendered to plain text."""
    tokens = MARKDOWN.parse(source)
    lines = source.splitlines()
    tables: list[MdTable] = []
    row: list[str] | None = None
    in_cell = False
    for tok in tokens:
        if tok.type == "table_open" and tok.map:
            tables.append(MdTable(lines[tok.map[0] : tok.map[1]]))
        elif tok.type == "tr_open":
            row = []
            tables[-1].rows.append(row)
        elif tok.type in ("th_open", "td_open"):
            in_cell = True
        elif tok.type == "inline" and in_cell and row is not None:
            row.append(text_of(MARKDOWN.renderInline(tok.content)))
            in_cell = False
    return tables


def text_of(html: str) -> str:
    """The text an HTML fragment shows."""
    return "".join(HtmlDoc(html).text)
