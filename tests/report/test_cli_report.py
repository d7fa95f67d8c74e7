"""`tfwatch report` as a user (or a CI job) runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.report.curves import decay, rise


def _tfwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args], capture_output=True, text=True, timeout=120
    )


def test_formats_output_file_and_errors(sweep: Path, tmp_path: Path) -> None:
    root = str(sweep)
    md = _tfwatch("report", root, "--baseline", "^base", "--metric", "train/*")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("## tfwatch report") and "### train/loss" in md.stdout
    assert "### val/acc" not in md.stdout
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    html = _tfwatch("report", root, "--format", "html", "-o", str(out))
    assert html.returncode == 0 and html.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    js = _tfwatch("report", root, "--format", "json", "--target", "val/acc=0.6")
    data = json.loads(js.stdout)
    assert data["baseline"] is None and data["first_to_reach"]["tag"] == "val/acc"
    assert [m["tag"] for m in data["metrics"]] == ["train/loss", "val/acc"]  # the defaults
    # Ambiguous or unknown baseline, unknown metric, bad target: a message and status 2.
    for args, message in (
        (["--baseline", "s"], "matches 3 runs"),
        (["--baseline", "nope"], "matches no run"),
        (["--metric", "nope"], "no run logs"),
        (["--target", "val/acc"], "TAG=VALUE"),
    ):
        bad = _tfwatch("report", root, *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)


def test_default_metric_is_the_one_most_runs_share_and_is_named_on_stderr(
    write_run, tmp_path: Path
) -> None:
    """A tag two runs of a sweep log must not lead the report because it sorts first."""
    for i in range(5):
        scalars = {"train/loss": decay(2.0, 0.3 + i / 10, 40, 100)}
        if i < 2:  # alphabetically first, and a quality metric, but in 2 of 5 runs
            scalars["acc/top1"] = rise(0.1, 0.8, 40, 100, 10)
        if i < 4:
            scalars["val/loss"] = decay(2.2, 0.4 + i / 10, 40, 100, 10)
        write_run(f"trial{i}", scalars)
    res = _tfwatch("report", str(tmp_path), "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [m["tag"] for m in data["metrics"]] == ["train/loss", "val/loss", "acc/top1"]
    assert data["first_to_reach"]["tag"] == "train/loss"
    assert res.stderr.splitlines() == [
        "tfwatch: metric: train/loss (shared by 5 of 5 runs; also reported: val/loss, "
        "acc/top1; choose with --metric)"
    ]
    named = _tfwatch("report", str(tmp_path), "--format", "json", "--metric", "acc/*")
    assert named.stderr == "" and [m["tag"] for m in json.loads(named.stdout)["metrics"]] == [
        "acc/top1"
    ]


def test_among_equally_shared_metrics_a_loss_leads_the_evaluation_one_first(
    write_run, tmp_path: Path
) -> None:
    for i in range(3):
        write_run(
            f"trial{i}",
            {
                "train/accuracy": rise(0.1, 0.8, 40, 100),
                "train/loss": decay(2.0, 0.3, 40, 100),
                "val/loss": decay(2.2, 0.4 + i / 10, 40, 100, 10),
            },
        )
    res = _tfwatch("report", str(tmp_path), "--format", "json")
    metrics = [m["tag"] for m in json.loads(res.stdout)["metrics"]]
    assert metrics == ["val/loss", "train/loss", "train/accuracy"]
    assert res.stderr.startswith("tfwatch: metric: val/loss (shared by 3 of 3 runs;")
