"""The one-shot commands' outputs on the writer fixtures, pinned byte for byte.

These pin what ``ls``, ``export``, ``check`` and ``report`` print, so that a change
meant to move code (not behaviour) proves it: the clock is fixed and the fixtures'
modification times set, so every age, state and "ago" is the same on each run. When a
change of output is intended, regenerate with ``TFWATCH_REPIN=1 python -m pytest
tests/cli/test_pinned_outputs.py`` and read the diff of ``tests/cli/pinned/``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tfwatch.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "writers"
PINNED = Path(__file__).resolve().parent / "pinned"
# After the fixtures' wall times, and a month before the clock: every run long finished.
MTIME = 1796083200.0  # 2026-12-01T00:00:00Z
NOW = MTIME + 31 * 86400.0

COMMANDS = {
    "ls": ["ls", "logs"],
    "ls_json": ["ls", "logs", "--json"],
    "ls_csv": ["ls", "logs", "--csv"],
    "ls_tags": ["ls", "logs", "--tags", "loss", "--tags", "*acc*"],
    "export_json": ["export", "logs"],
    "export_csv": ["export", "logs", "--format", "csv"],
    "check": ["check", "logs"],
    "check_json": ["check", "logs", "--json", "--fail-on", "all"],
    "report_md": ["report", "logs", "--format", "md"],
    "report_json": ["report", "logs", "--format", "json"],
    "report_csv": ["report", "logs", "--format", "csv"],
    "report_html": ["report", "logs", "--format", "html", "--baseline", "tensorboardx"],
}


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the writer fixtures with every modification time set to ``MTIME``, the
    writer PID in their names one that no process can have (above Linux's pid_max), so
    that no process of this machine is ever taken for their writer."""
    base = tmp_path_factory.mktemp("pinned")
    root = base / "logs"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("*.json", "*.md"))
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            renamed = path.with_name(re.sub(r"\.\d+\.(\d+)$", r".99999999.\1", name))
            path.rename(renamed)
            os.utime(renamed, (MTIME, MTIME))
    return base


def _run(monkeypatch: pytest.MonkeyPatch, base: Path, argv: list[str]) -> bytes:
    raw_out, raw_err = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(raw_out, encoding="utf-8", newline="")
    err = io.TextIOWrapper(raw_err, encoding="utf-8", newline="")
    with monkeypatch.context() as m:
        m.chdir(base)
        m.setattr(time, "time", lambda: NOW)
        m.setattr(sys, "stdout", out)
        m.setattr(sys, "stderr", err)
        status = main(list(argv))
        out.flush()
        err.flush()
    text = raw_out.getvalue() + b"\n--- stderr ---\n" + raw_err.getvalue()
    text += f"\n--- exit {status} ---\n".encode()
    # The copy's absolute path is the only thing that differs between runs.
    return text.replace(str(base).encode(), b"<tmp>")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_is_pinned(name: str, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _run(monkeypatch, logs, COMMANDS[name])
    pinned = PINNED / f"{name}.out"
    if os.environ.get("TFWATCH_REPIN"):
        pinned.write_bytes(got)
    assert pinned.exists(), f"no pinned output for {name}: run with TFWATCH_REPIN=1"
    assert got == pinned.read_bytes(), f"`tfwatch {' '.join(COMMANDS[name])}` changed"
