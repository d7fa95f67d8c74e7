"""`tfwatch report` as a user (or a CI job) runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


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
