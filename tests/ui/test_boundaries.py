"""The domain packages never import Textual; the CLI opens the app and writes the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fresh_imports import modules_loaded_by, textual_modules
from tfwatch.cli.parser import is_app_call

DOMAIN = [
    "tfwatch.ingest.tailer",
    "tfwatch.live.snapshot_builder",
    "tfwatch.analysis.convergence",
    "tfwatch.cli.listing",
    "tfwatch.filtering",
    "tfwatch.text.sparkline",
    "tfwatch.demo",
]


def test_domain_modules_do_not_import_textual() -> None:
    packages = ["tfwatch.ingest", "tfwatch.store", "tfwatch.analysis", "tfwatch.cli"]
    assert textual_modules(modules_loaded_by([*DOMAIN, *packages])) == []


def test_roots_without_a_subcommand_open_the_app() -> None:
    assert is_app_call(["/logs"])
    assert is_app_call(["--metric", "loss", "/logs"])
    assert not is_app_call(["ls", "/logs"])
    assert not is_app_call(["demo"])
    assert not is_app_call(["--version"])
    assert not is_app_call([])


def test_demo_write_only_writes_real_runs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "tfwatch", "demo", "--write-only", str(out), "--steps", "50",
         "--fast"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "tfwatch", "ls", str(out), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    assert "sweep/lr=0.1" in listing.stdout and "baseline[bs=64]" in listing.stdout
