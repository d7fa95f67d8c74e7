"""The CI recipes and the example report in docs/ stay valid."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.report.rendered import HtmlDoc, cell_count, markdown_tables
from tfwatch.cli.parser import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def _shell_lines(node: object) -> list[str]:
    """Every shell line in a workflow: ``run:`` strings and ``script:`` items."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script") and isinstance(value, str | list):
                items = [value] if isinstance(value, str) else value
                for item in items:
                    out += str(item).replace("\\\n", " ").splitlines()
            else:
                out += _shell_lines(value)
    elif isinstance(node, list):
        for item in node:
            out += _shell_lines(item)
    return out


def test_ci_workflows_parse_and_call_tfwatch_correctly() -> None:
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in _YAML_BLOCK.findall(text)]
    assert len(blocks) == 2  # GitHub Actions, GitLab CI
    github, gitlab = blocks
    assert "pull_request" in github[True] or "pull_request" in github.get("on", {})
    assert github["permissions"]["pull-requests"] == "write"
    parser = build_parser()
    known = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for workflow in blocks:
        lines = [ln.strip() for ln in _shell_lines(workflow)]
        commands = [shlex.split(ln) for ln in lines if ln.startswith("tfwatch ")]
        names = [c[1] for c in commands]
        assert "check" in names and "report" in names
        assert any("--format" in c and c[c.index("--format") + 1] == "md" for c in commands)
        for argv in commands:
            if argv[1] in known:  # commands wired into the parser are checked for real
                parser.parse_args(argv[1:])
    assert any("gh pr comment" in ln for ln in _shell_lines(github))
    assert any("merge_requests" in ln for ln in _shell_lines(gitlab))


@pytest.mark.parametrize("name", ["example-report.md"])
def test_example_markdown_tables_are_whole(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    tables = markdown_tables(text)
    assert len(tables) >= 5
    for table in tables:
        width = cell_count(table.lines[0])
        assert all(cell_count(line) == width for line in table.lines)
    assert text.count("```mermaid") >= 1


def test_example_html_is_self_contained() -> None:
    page = (DOCS / "example-report.html").read_text(encoding="utf-8")
    doc = HtmlDoc(page)
    assert "script" not in doc.tag_names and "link" not in doc.tag_names
    assert page.replace("http://www.w3.org/2000/svg", "").count("://") == 0
    assert sum(1 for t, a in doc.tags if t == "svg" and a.get("class") == "chart") >= 1
