"""`tfwatch ls --json` carries each run's state and, while a writer lives, its PID."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

WRITER = """
import sys, time
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1], flush_secs=1)
for i in range(100000):
    w.add_scalar("loss", 1.0 / (i + 1), i)
    w.flush()
    time.sleep(0.05)
"""


def _ls_json(root: Path) -> dict[str, dict]:
    res = subprocess.run(
        [sys.executable, "-m", "tfwatch", "ls", "--json", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return {r["name"]: r for r in json.loads(res.stdout)["runs"]}


def test_live_writer_then_killed(tmp_path: Path, tbx_run) -> None:
    tbx_run("done", {"loss": [(0, 1.0), (1, 0.5)]})
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "live")])
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            files = list((tmp_path / "live").glob("*tfevents*"))
            if files and files[0].stat().st_size > 200:
                break
            time.sleep(0.1)
        rows = _ls_json(tmp_path)
        assert rows["live"]["state"] == "running" and rows["live"]["pid"] == proc.pid
        assert rows["done"]["state"] in ("finished", "unknown") and "pid" not in rows["done"]
    finally:
        proc.kill()
        proc.wait()
    rows = _ls_json(tmp_path)
    assert "pid" not in rows["live"] and rows["live"]["state"] != "running"
