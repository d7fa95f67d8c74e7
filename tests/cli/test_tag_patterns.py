"""``--tags`` (``ls``, ``export``) and ``report --metric`` name tags by one rule: a glob,
any case, that without ``/`` may match a tag's last path part (``loss`` names
``train/loss``), as ``--maximize`` and the health config do; a pattern that names no tag
of any run is a warning on stderr, not a silent empty result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tfwatch.analysis import direction
from tfwatch.tag_patterns import matches_any


@pytest.fixture
def sweep(tbx_run, tmp_path: Path) -> Path:
    for name in ("a", "b"):
        tbx_run(
            name,
            {
                "train/loss": [(s, 1.0 / (s + 1)) for s in range(20)],
                "val/loss": [(s, 1.5 / (s + 1)) for s in range(0, 20, 5)],
                "train/accuracy": [(s, s / 20) for s in range(20)],
                "train/loss_scale": [(s, 1024.0) for s in range(20)],
            },
        )
    return tmp_path


def test_a_bare_word_names_the_tags_whose_last_part_it_is(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = run_cli(monkeypatch, "ls", "--json", "--tags", "loss", str(sweep))
    assert res.status == 0 and res.err == ""
    for row in json.loads(res.out)["runs"]:
        assert set(row["metrics"]) == {"train/loss", "val/loss"}
        assert row["metrics"]["train/loss"]["last"] == pytest.approx(1 / 20)
    table = run_cli(monkeypatch, "ls", "--tags", "loss", str(sweep)).out
    assert "train/loss last" in table and "val/loss last" in table

    exported = run_cli(monkeypatch, "export", "--tags", "loss", str(sweep))
    assert exported.status == 0 and exported.err == ""
    runs = json.loads(exported.out)["runs"]
    assert set(runs["a"]["scalars"]) == {"train/loss", "val/loss"}
    assert len(runs["a"]["scalars"]["train/loss"]) == 20
    # A path in the pattern is matched against the whole tag only.
    runs = json.loads(run_cli(monkeypatch, "export", "--tags", "val/*", str(sweep)).out)["runs"]
    assert set(runs["b"]["scalars"]) == {"val/loss"}

    report = run_cli(monkeypatch, "report", "--format", "json", "--metric", "accuracy", str(sweep))
    assert report.status == 0, report.err
    assert [m["tag"] for m in json.loads(report.out)["metrics"]] == ["train/accuracy"]


def test_a_pattern_naming_no_tag_is_a_warning_and_exit_0(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = run_cli(monkeypatch, "export", "--tags", "los", "--tags", "val/*", str(sweep))
    assert exported.status == 0
    (warning,) = exported.err.splitlines()
    assert warning == (
        "tfwatch: warning: --tags 'los' matches no tag (tags seen: train/accuracy, "
        "train/loss, train/loss_scale, val/loss)"
    )
    assert set(json.loads(exported.out)["runs"]["a"]["scalars"]) == {"val/loss"}

    listed = run_cli(monkeypatch, "ls", "--json", "--tags", "acc", str(sweep))
    assert listed.status == 0
    assert listed.err.startswith("tfwatch: warning: --tags 'acc' matches no tag (tags seen: ")
    assert all(row["metrics"] == {} for row in json.loads(listed.out)["runs"])
    assert run_cli(monkeypatch, "ls", "--tags", "ACCURACY", str(sweep)).err == ""


def test_one_rule_for_tags_metric_and_maximize() -> None:
    assert direction.matches_any is matches_any
    assert matches_any("train/loss", ["loss"]) and matches_any("Train/Loss", ["loss"])
    assert not matches_any("train/loss_scale", ["loss"])
    assert not matches_any("train/loss", ["val/*"])
