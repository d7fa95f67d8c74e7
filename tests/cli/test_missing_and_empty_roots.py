"""Exit status 2 where there is nothing to watch or read: the app on a lone missing root
(or only missing ones), and every one-shot command on a root holding no runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def tfwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_app_on_a_lone_missing_root_says_so_in_one_line(tmp_path: Path) -> None:
    for roots in ([tmp_path / "nope"], [tmp_path / "nope", tmp_path / "nor_this"]):
        res = tfwatch(*map(str, roots))
        assert res.returncode == 2, res.stderr
        assert res.stderr.splitlines() == [f"tfwatch: {roots[0]}: no such file or directory"]


@pytest.mark.parametrize("command", ["ls", "export", "check", "report"])
def test_one_shot_commands_exit_2_on_a_root_without_runs(tmp_path: Path, command: str) -> None:
    res = tfwatch(command, str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"tfwatch: {tmp_path}: no runs found (no file named *tfevents* below it)"
    ]
    # One missing root among readable ones still stops a script: its output would be partial.
    (tmp_path / "run").mkdir()
    res = tfwatch(command, str(tmp_path), str(tmp_path / "nope"))
    assert res.returncode == 2 and "nope: no such file or directory" in res.stderr
