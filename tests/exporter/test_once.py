"""``tfwatch exporter --once``: the metrics of one read, parsed by prometheus_client's own
parser, with hostile run names and tags kept exact."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.cli.cli_run import run_cli
from tests.exporter.exporter_runs import BAD_UTF8_LABEL, HOSTILE_RUNS, HOSTILE_TAG, write_run
from tests.fresh_imports import modules_loaded_by, textual_modules
from tfwatch.exporter.families import run_labels
from tfwatch.live.view_models import RunSummary


def once(*argv: str) -> list[Sample]:
    """Every sample printed by ``tfwatch exporter --once argv…`` in a real process."""
    done = subprocess.run(
        [sys.executable, "-m", "tfwatch", "exporter", "--once", *argv],
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    text = done.stdout.decode("utf-8")  # strict: the format is UTF-8
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The one sample ``name`` whose labels include ``labels``."""
    found = [
        s
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (name, labels, found)
    return found[0].value


def test_once_exports_every_run_with_its_state_and_alerts(hostile_logs: Path) -> None:
    samples = once(str(hostile_logs))
    runs = {s.labels["run"] for s in samples if s.name == "tfwatch_run_last_step"}
    assert runs == {"healthy", "went_nan", "hostile_tag", BAD_UTF8_LABEL, *HOSTILE_RUNS.values()}
    assert value(samples, "tfwatch_run_last_step", run="healthy", root="logs") == 39
    assert value(samples, "tfwatch_run_alerts", run="went_nan", kind="nan") == 1
    assert value(samples, "tfwatch_run_alerts", run="healthy", kind="nan") == 0
    for run in runs:  # exactly one state holds
        states = [s for s in samples if s.name == "tfwatch_run_state" and s.labels["run"] == run]
        assert sorted(s.value for s in states) == [0.0] * 6 + [1.0]
    assert value(samples, "tfwatch_roots_failing") == 0
    assert value(samples, "tfwatch_read_bytes_total") > 0
    assert value(samples, "tfwatch_poll_duration_seconds_count") >= 1
    # No --tags: no scalar series at all.
    assert not [s for s in samples if s.name.startswith("tfwatch_scalar_")]


def test_hostile_names_round_trip_as_label_values(hostile_logs: Path) -> None:
    samples = once(str(hostile_logs), "--tags", "*")
    steps = {s.labels["run"]: s.value for s in samples if s.name == "tfwatch_run_last_step"}
    for name in HOSTILE_RUNS.values():
        assert steps[name] == 19
    assert steps[BAD_UTF8_LABEL] == 1
    assert value(samples, "tfwatch_scalar_last", run="hostile_tag", tag=HOSTILE_TAG) == 1.0
    assert value(samples, "tfwatch_scalar_best", run="hostile_tag", tag=HOSTILE_TAG) == 1.0


def test_tags_choose_the_scalars_exported(hostile_logs: Path) -> None:
    samples = once(str(hostile_logs), "--tags", "acc", "train/*")
    tags = {s.labels["tag"] for s in samples if s.name == "tfwatch_scalar_last"}
    assert tags == {"val/acc", "train/loss"}
    assert value(samples, "tfwatch_exported_tags") == 2
    assert value(samples, "tfwatch_scalar_last", run="healthy", tag="val/acc") == pytest.approx(
        0.89
    )
    # val/acc is higher-is-better: its best is its maximum; the loss's its minimum.
    assert value(samples, "tfwatch_scalar_best", run="healthy", tag="val/acc") == pytest.approx(
        0.89
    )
    best_loss = value(samples, "tfwatch_scalar_best", run="healthy", tag="train/loss")
    assert best_loss == pytest.approx(1 / 40)
    assert math.isnan(value(samples, "tfwatch_scalar_last", run="went_nan", tag="train/loss"))
    assert value(samples, "tfwatch_scalar_best", run="went_nan", tag="train/loss") == 1.0


def test_tags_are_capped(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    write_run(
        root, "many", [0.0], tag="metric_00", **{f"metric_{i:02d}": [1.0] for i in range(1, 25)}
    )
    samples = once(str(root), "--tags", "metric_*")
    tags = {s.labels["tag"] for s in samples if s.name == "tfwatch_scalar_last"}
    assert tags == {f"metric_{i:02d}" for i in range(20)}


def _summary(name: str) -> RunSummary:
    return RunSummary(
        name=name, root="r", path=name, state="running", last_step=0,
        steps_per_second=math.nan, activity=0.0, hparams={}, tags=(), metrics={},
        alerts=(), damage=0, files=1, events=1, version=1,
    )  # fmt: skip


def test_names_that_become_the_same_label_stay_apart() -> None:
    # The byte 0xff (a lone surrogate in Python) is written as the four characters \xff,
    # which another run may well be called: a duplicate series would fail the scrape.
    labels = run_labels([_summary("a\udcff"), _summary("a\\xff")])
    assert sorted(labels.values()) == [("a\\xff", "r"), ("a\\xff#2", "r")]


def test_the_exporter_imports_no_textual() -> None:
    loaded = modules_loaded_by(
        ["tfwatch.exporter.service", "tfwatch.exporter.collector", "tfwatch.cli.exporter"]
    )
    assert "prometheus_client" in loaded
    assert textual_modules(loaded) == []


def test_building_the_parser_does_not_load_prometheus_client() -> None:
    assert "prometheus_client" not in modules_loaded_by(["tfwatch.cli.parser"])


def test_a_bad_listen_address_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_run(tmp_path, "run", [1.0])
    result = run_cli(monkeypatch, "exporter", str(tmp_path), "--listen", "nowhere")
    assert result.status == 2
    assert result.err.startswith("tfwatch: --listen 'nowhere': expected HOST:PORT")
    assert result.err.count("\n") == 1
