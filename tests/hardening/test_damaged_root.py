"""Every command over a root holding every kind of damage: a normal exit, the damage
listed, and every intact point kept."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.hardening.hostile_inputs import STEPS, clean_event_bytes, damaged_cases
from tests.report.rendered import HtmlDoc, markdown_tables


@pytest.fixture(scope="module")
def expected_kinds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    clean = clean_event_bytes(tmp_path_factory.mktemp("seed") / "run")
    return {name: kinds for name, (_, kinds) in damaged_cases(clean).items()}


def test_export_lists_each_damage_and_keeps_every_intact_point(
    damaged_root: Path, monkeypatch: pytest.MonkeyPatch, expected_kinds: dict[str, set[str]]
) -> None:
    result = run_cli(monkeypatch, "export", str(damaged_root))
    assert result.status == 0
    runs = json.loads(result.out)["runs"]
    assert set(runs) == set(expected_kinds)
    for name, kinds in expected_kinds.items():
        assert {d["kind"] for d in runs[name]["damage"]} == kinds, name
    every = [[i, 1.0 / (i + 1)] for i in range(STEPS)]
    for name in ("absurd_length", "deep_protobuf", "not_an_event", "duplicated_records"):
        got = runs[name]["scalars"]["loss"]
        assert [s for s, _ in got] == list(range(STEPS)), name
        assert all(abs(v - e) < 1e-7 for (_, v), (_, e) in zip(got, every, strict=True))
    # A hit record is lost; every other one is kept.
    for name in ("payload_crc", "length_crc", "junk_inserted"):
        assert len(runs[name]["scalars"]["loss"]) >= STEPS - 1, name
    assert len(runs["cut_mid_record"]["scalars"]["loss"]) == STEPS // 2 - 1
    assert runs["all_garbage"]["scalars"] == {} and runs["empty"]["scalars"] == {}


def test_ls_and_check_exit_normally_and_list_the_damage(
    damaged_root: Path, monkeypatch: pytest.MonkeyPatch, expected_kinds: dict[str, set[str]]
) -> None:
    table = run_cli(monkeypatch, "ls", str(damaged_root))
    assert table.status == 0 and "damaged region(s) skipped" in table.out
    rows = json.loads(run_cli(monkeypatch, "ls", "--json", str(damaged_root)).out)["runs"]
    assert {r["name"] for r in rows if r["damage"]} == {n for n, k in expected_kinds.items() if k}
    lines = list(
        csv.reader(io.StringIO(run_cli(monkeypatch, "ls", "--csv", str(damaged_root)).out))
    )
    assert len(lines) == len(expected_kinds) + 1
    check = run_cli(monkeypatch, "check", str(damaged_root))
    assert check.status == 0
    listed = [line for line in check.out.splitlines() if line.startswith("damage  ")]
    for name, kinds in expected_kinds.items():
        for kind in kinds:
            assert any(
                f"damage  {name}  " in line and f": {kind} at byte" in line for line in listed
            )
    payload = json.loads(run_cli(monkeypatch, "check", "--json", str(damaged_root)).out)
    assert {d["run"] for d in payload["damage"]} == {n for n, k in expected_kinds.items() if k}


def test_reports_list_the_damage(
    damaged_root: Path, monkeypatch: pytest.MonkeyPatch, expected_kinds: dict[str, set[str]]
) -> None:
    damaged = {(n, k) for n, kinds in expected_kinds.items() for k in kinds}
    md = run_cli(monkeypatch, "report", str(damaged_root))
    assert md.status == 0 and "### Damaged event files" in md.out
    (table,) = [t for t in markdown_tables(md.out) if t.rows[0][:3] == ["Run", "File", "Damage"]]
    assert {(row[0], row[2]) for row in table.rows[1:]} == damaged
    html = HtmlDoc(run_cli(monkeypatch, "report", "--format", "html", str(damaged_root)).out)
    assert {(c[0], c[2]) for c in html.cells if len(c) == 5 and c[0] != "Run"} >= damaged
    report = json.loads(run_cli(monkeypatch, "report", "--format", "json", str(damaged_root)).out)
    assert {(r["name"], d["kind"]) for r in report["runs"] for d in r["damage"]} == damaged
