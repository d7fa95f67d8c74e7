"""Names, tags, text and hparams written by anyone: harmless in every output.

Each string of :data:`HOSTILE` is in a run directory's name, a scalar tag, a text
summary's tag and text, and an hparam value; one more run has a directory name and tags
that are not valid UTF-8. Terminal output shows them escaped; JSON and CSV are valid
and give back what was written; reports inject nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.hardening.hostile_inputs import HOSTILE
from tests.report.rendered import MARKDOWN, HtmlDoc, cell_count, markdown_tables

#: What must never reach a terminal raw: C0 controls but newline, DEL, C1, bidi controls,
#: zero-width characters and lone surrogates.
_RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
BAD_UTF8_RUN = "bad-utf8-\\xff\\xfe"


def _run_names() -> set[str]:
    names = {f"{k}-{t}".replace("/", "_")[:200] for k, t in HOSTILE.items()}
    return names | {BAD_UTF8_RUN}


@pytest.mark.parametrize("command", [["ls"], ["ls", "--tags", "m/*"], ["check"]])
def test_terminal_output_shows_escapes_not_controls(
    hostile_root: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    result = run_cli(monkeypatch, *command, str(hostile_root))
    assert result.status == 0
    assert _RAW_CONTROL.search(result.out) is None, repr(_RAW_CONTROL.search(result.out))
    if command[0] == "ls":
        for shown in ("t\\x1b]0;pwned\\x07", "rtl\\u202eexe.txt", "zw\\u200b\\u200d\\ufeffx",
                      "c1\\x9b31m", "[bold]x[_][link=http:__evil]", BAD_UTF8_RUN):  # fmt: skip
            assert shown in result.out


def test_ls_json_and_csv_give_back_every_name(
    hostile_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = json.loads(run_cli(monkeypatch, "ls", "--json", str(hostile_root)).out)["runs"]
    assert {r["name"] for r in rows} == _run_names()
    text = run_cli(monkeypatch, "ls", "--csv", str(hostile_root)).out
    lines = list(csv.reader(io.StringIO(text)))
    assert {line[0] for line in lines[1:]} == _run_names()
    assert all(len(line) == len(lines[0]) for line in lines)


def test_export_gives_back_tags_and_hparams_exactly(
    hostile_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = json.loads(run_cli(monkeypatch, "export", str(hostile_root)).out)["runs"]
    for key, text in HOSTILE.items():
        run = runs[f"{key}-{text}".replace("/", "_")[:200]]
        assert run["scalars"][f"m/{text}"] == [[i, float(i)] for i in range(10)]
        assert run["hparams"]["opt"] == text
    # Undecodable bytes in a tag arrive as U+FFFD; the record whose strings protobuf
    # refuses is listed as damage, not dropped silently.
    bad = runs[BAD_UTF8_RUN]
    assert bad["scalars"]["m/\ufffd\ufffd\ufffd"] == [[i, float(i)] for i in range(10)]
    assert {d["kind"] for d in bad["damage"]} == {"bad_event"}
    assert all("\\xff\\xfe" in d["file"] for d in bad["damage"])
    text = run_cli(monkeypatch, "export", "--format", "csv", str(hostile_root)).out
    lines = list(csv.reader(io.StringIO(text)))
    tags = {(line[0], line[1]) for line in lines[1:]}
    assert ("osc_title-t\x1b]0;pwned\x07", "m/t\x1b]0;pwned\x07") in tags


def test_check_json_is_valid(hostile_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = json.loads(run_cli(monkeypatch, "check", "--json", str(hostile_root)).out)
    assert payload["runs"] == len(_run_names())
    assert {d["run"] for d in payload["damage"]} == {BAD_UTF8_RUN}


def test_markdown_report_injects_nothing(
    hostile_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(monkeypatch, "report", "--metric", "m/*", str(hostile_root))
    assert result.status == 0 and "\x1b" not in result.out and "\x07" not in result.out
    doc = HtmlDoc(MARKDOWN.render(result.out))
    assert not doc.tag_names & {"script", "img", "a", "iframe", "b"}
    for table in markdown_tables(result.out):
        assert len({cell_count(line) for line in table.lines}) == 1, table.lines  # no | leaks
    # A run's name, as rendered, reads as written (escaped controls aside).
    assert any("<script>alert(1)<_script>" in t for t in doc.text)


def test_html_report_injects_nothing(hostile_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(
        monkeypatch, "report", "--format", "html", "--metric", "m/*", str(hostile_root)
    )
    doc = HtmlDoc(result.out)
    assert not doc.tag_names & {"script", "img", "a", "iframe", "b"}
    assert not any(k.startswith("on") for _, attrs in doc.tags for k in attrs)
    assert any("<script>alert(1)</script>" in t for t in doc.text)
    assert BAD_UTF8_RUN in result.out


def test_json_and_csv_reports_are_valid(
    hostile_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = json.loads(run_cli(monkeypatch, "report", "--format", "json", str(hostile_root)).out)
    assert {r["name"] for r in report["runs"]} == _run_names()
    text = run_cli(monkeypatch, "report", "--format", "csv", str(hostile_root)).out
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == len(_run_names()) + 1
    assert all(len(line) == len(lines[0]) for line in lines)
