"""``ls``/``check``/``export`` draw a progress bar on standard error when it is a
terminal (a real pseudo-terminal here) and the load is long; nothing on a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    for k in range(4):
        w = SummaryWriter(str(root / f"r{k}"))
        for step in range(200):
            w.add_scalar("loss", 1.0 / (1 + step), step)
        w.close()
    return root


def _read_all(fd: int, proc: subprocess.Popen[bytes]) -> bytes:
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed (Linux raises EIO)
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    return out


@pytest.mark.parametrize("command", ["ls", "check", "export"])
def test_a_terminal_gets_a_progress_bar(tmp_path: Path, command: str) -> None:
    root = _root(tmp_path)
    primary, secondary = pty.openpty()
    # (A threshold of 0 s: a long load without waiting for one.)
    env = dict(os.environ, TFWATCH_PROGRESS_AFTER="0", COLUMNS="120")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfwatch", command, str(root), "--no-cache"]
        if command != "export"
        else [sys.executable, "-m", "tfwatch", command, str(root)],
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    try:
        err = _read_all(primary, proc).decode()
    finally:
        os.close(primary)
    assert proc.returncode in (0, 1), err  # (check: 1 when alerts fail it)
    assert "█" in err and "4/4 runs" in err and "100%" in err
    assert "Traceback" not in err
    assert err.endswith("\r") and err.split("\r")[-2].strip() == ""  # wiped at the end


def test_a_pipe_gets_no_progress_bar(tmp_path: Path) -> None:
    root = _root(tmp_path)
    env = dict(os.environ, TFWATCH_PROGRESS_AFTER="0")
    out = subprocess.run(
        [sys.executable, "-m", "tfwatch", "ls", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0 and out.stderr == ""
