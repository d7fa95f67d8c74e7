"""Escaping rules, checked by rendering each escaped string with markdown-it-py."""

from __future__ import annotations

import pytest

from tests.report.rendered import MARKDOWN, text_of
from tfwatch.report.escaping import csv_cell, html_text, markdown_text, mermaid_label

NASTY = [
    "# heading", "- item", "1. first", "12) twelfth", "---", "===", "+ plus", "> quote",
    "*bold* _it_ ~~s~~", "[link](http://x)", "![img](x)", "`code`", "a|b", "back\\slash",
    "<script>alert(1)</script>", "&amp; &lt;", "$x^2$", "0.05", "-0.5", "x\ny", "\x1b[31mred",
]  # fmt: skip


@pytest.mark.parametrize("text", NASTY)
def test_markdown_text_renders_as_written(text: str) -> None:
    html = MARKDOWN.render(markdown_text(text))
    assert html.startswith("<p>"), html  # one paragraph: no heading, list, quote or rule
    expected = text.replace("\n", "\\x0a").replace("\x1b", "\\x1b")
    assert text_of(html).strip() == expected


def test_markdown_text_breaks_mentions() -> None:
    assert "@org" not in text_of(MARKDOWN.render(markdown_text("ping @org/team")))


def test_html_mermaid_and_csv() -> None:
    assert html_text('<a href="x">\x1b') == "&lt;a href=&quot;x&quot;&gt;\\x1b"
    label = mermaid_label('loss "x" %%{init}%% `y`\nz')
    assert '"' not in label and "%" not in label and "`" not in label and "\n" not in label
    assert len(mermaid_label("x" * 200)) == 60
    assert csv_cell("=SUM(A1)") == "'=SUM(A1)" and csv_cell("run-1") == "run-1"
