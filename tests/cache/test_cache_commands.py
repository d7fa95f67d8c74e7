"""The cache through the commands a user runs, in processes of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tensorboardX import SummaryWriter

from tests.cache.runs_compared import assert_same_as_cold, load
from tests.cache.shared_cache import ls_twice_at_once
from tfwatch.cache.run_cache import RunCache
from tfwatch.cache.run_codec import decode_run


def _tfwatch(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args], capture_output=True, text=True, timeout=timeout
    )


def _root(tmp_path: Path, runs: int = 3, steps: int = 2000) -> Path:
    root = tmp_path / "logs"
    for k in range(runs):
        w = SummaryWriter(str(root / f"r{k}"))
        for step in range(steps):
            w.add_scalar("loss", 1.0 / (1 + step + k), step)
        w.close()
    return root


def _timeless(out: str) -> list[dict[str, object]]:
    """``ls --json`` rows without what moves with the clock (time since the last write)."""
    rows = json.loads(out)["runs"]
    return [{k: v for k, v in r.items() if k not in ("idle_s", "state_reason")} for r in rows]


def test_warm_ls_prints_what_a_cold_one_does(tmp_path: Path, private_cache: Path) -> None:
    root = _root(tmp_path)
    cold = _tfwatch("ls", str(root), "--json", "--no-cache")
    assert cold.returncode == 0, cold.stderr
    assert not private_cache.exists()  # --no-cache: nothing written
    first = _tfwatch("ls", str(root), "--json")
    assert len(list(private_cache.rglob("*.run"))) == 3
    warm = _tfwatch("ls", str(root), "--json")
    assert _timeless(warm.stdout) == _timeless(first.stdout) == _timeless(cold.stdout)
    assert _tfwatch("check", str(root), "--json").returncode == 0


def test_export_writes_every_point_with_a_warm_cache(tmp_path: Path) -> None:
    root = _root(tmp_path, runs=1, steps=5000)  # more points than a series keeps
    assert _tfwatch("ls", str(root)).returncode == 0
    out = _tfwatch("export", str(root))
    assert out.returncode == 0, out.stderr
    points = json.loads(out.stdout)["runs"]["r0"]["scalars"]["loss"]
    assert [p[0] for p in points] == list(range(5000))


def test_a_bad_cache_size_is_one_clear_line(tmp_path: Path) -> None:
    root = _root(tmp_path, runs=1, steps=10)
    out = _tfwatch("ls", str(root), "--cache-size", "lots")
    assert out.returncode == 2 and "--cache-size" in out.stderr and "Traceback" not in out.stderr


def test_two_processes_sharing_a_cache_do_not_corrupt_it(
    tmp_path: Path, private_cache: Path
) -> None:
    """Two ``tfwatch ls`` loops read and write one cache while a writer appends."""
    root = _root(tmp_path, runs=4, steps=1500)
    writer = SummaryWriter(str(root / "r0"), flush_secs=3600)
    ls_twice_at_once(root, writer, "loss", 1500)
    for path in private_cache.rglob("*.run"):
        decode_run(path.read_bytes())  # every file whole, none mixed
    cache = RunCache()
    assert_same_as_cold(root, load(root, cache))
    assert cache.used >= 3
