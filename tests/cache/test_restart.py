"""A restart through the cache reads only what was appended, and holds what a full read
would: with every way the files or the cache can change between two loads, the load
through the cache equals a load with no cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tensorboardX import SummaryWriter

from tests.cache.runs_compared import assert_same_as_cold, load
from tests.writers import only_event_file
from tfwatch.cache import run_codec
from tfwatch.cache.run_cache import RunCache


def _writer(run_dir: Path, suffix: str = "") -> Any:
    """A writer of a new file in ``run_dir``; ``suffix`` keeps its name apart from one
    written in the same second (names carry the time in seconds), sorting after it."""
    return SummaryWriter(str(run_dir), flush_secs=3600, filename_suffix=suffix)


def _write(w: Any, steps: range, scale: float = 1.0) -> None:
    for step in steps:
        w.add_scalar("train/loss", scale / (1 + step), step)
        w.add_scalar("val/acc", scale * step / 3000, step)
    w.flush()


def _cached_root(tmp_path: Path, runs: int = 3, steps: int = 3000) -> Path:
    """A root of finished runs, long enough that old points fold into buckets."""
    root = tmp_path / "logs"
    for k in range(runs):
        w = _writer(root / f"run{k}")
        _write(w, range(steps), scale=1.0 + k)
        w.close()
    return root


def test_restart_reads_only_appended_bytes(tmp_path: Path, private_cache: Path) -> None:
    root = tmp_path / "logs"
    w = _writer(root / "live")
    _write(w, range(3000))
    cache = RunCache()
    first = load(root, cache)
    size = only_event_file(root / "live").stat().st_size
    assert first.progress == (size, size)
    assert list(private_cache.rglob("*.run"))  # kept for the next process

    _write(w, range(3000, 3500))
    grown = only_event_file(root / "live").stat().st_size
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 1 and not cache.doubts
    assert warm.progress == (grown - size, grown - size)
    assert_same_as_cold(root, warm)

    again = RunCache()  # nothing appended: nothing read
    assert load(root, again).progress == (0, 0) and again.used == 1
    w.close()


def test_restart_after_a_point_rewrote_earlier_steps(tmp_path: Path) -> None:
    """A job resumed from a checkpoint rewrites steps already cached: the restart rule
    applies across the cached part and the appended one as in one read."""
    root = tmp_path / "logs"
    w = _writer(root / "resumed")
    _write(w, range(2500))
    load(root, RunCache())
    _write(w, range(2000, 2600), scale=0.5)
    cache = RunCache()
    assert_same_as_cold(root, load(root, cache))
    assert cache.used == 1
    w.close()


def test_truncated_file_is_read_again(tmp_path: Path) -> None:
    root = _cached_root(tmp_path)
    load(root, RunCache())
    path = only_event_file(root / "run1")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # shorter than what was read
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 2 and any("shorter" in d for d in cache.doubts)
    assert_same_as_cold(root, warm)


def test_file_replaced_by_another_is_read_again(tmp_path: Path) -> None:
    """A copy put in place (another inode), longer than what was read."""
    root = _cached_root(tmp_path)
    load(root, RunCache())
    other = tmp_path / "other"
    w = _writer(other)
    _write(w, range(4000), scale=7.0)
    w.close()
    target = only_event_file(root / "run0")
    shutil.copyfile(only_event_file(other), target.with_suffix(".partial"))
    os.replace(target.with_suffix(".partial"), target)
    cache = RunCache()
    warm = load(root, cache)
    assert any("replaced" in d for d in cache.doubts)
    assert warm.runs["run0"].scalars["train/loss"].first_value == 7.0
    assert_same_as_cold(root, warm)


def _rewrite_in_place(target: Path, data: bytes, keep_mtime: bool) -> None:
    st = target.stat()
    with open(target, "r+b") as f:  # the same inode
        f.write(data)
        f.truncate()
    if keep_mtime:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("keep_mtime", [False, True])
@pytest.mark.parametrize("longer", [False, True])
def test_file_rewritten_in_place_is_read_again(
    tmp_path: Path, keep_mtime: bool, longer: bool
) -> None:
    """Other bytes in the same file: the same size (with or without its modification
    time put back), or longer, as if appended to."""
    root = _cached_root(tmp_path)
    load(root, RunCache())
    other = tmp_path / "other"
    w = _writer(other)
    _write(w, range(3000 + (100 if longer else 0)), scale=5.0)
    w.close()
    target = only_event_file(root / "run2")
    data = only_event_file(other).read_bytes()
    assert longer or len(data) == target.stat().st_size
    _rewrite_in_place(target, data, keep_mtime)
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 2 and len(cache.doubts) == 1
    assert warm.runs["run2"].scalars["train/loss"].first_value == 5.0
    assert_same_as_cold(root, warm)


def test_new_file_before_those_read_means_a_full_read(tmp_path: Path) -> None:
    """A restart's file whose name sorts first (a copy synced late): a full read puts
    its points first, as a read of every byte does."""
    root = _cached_root(tmp_path)
    load(root, RunCache())
    w = _writer(tmp_path / "early")
    _write(w, range(10, 4000, 10), scale=9.0)
    w.close()
    name = only_event_file(root / "run1").name
    stamp = name.split(".")[3]
    early = name.replace(stamp, str(int(stamp) - 100), 1)
    shutil.copyfile(only_event_file(tmp_path / "early"), root / "run1" / early)
    cache = RunCache()
    warm = load(root, cache)
    assert any("new file before" in d for d in cache.doubts)
    assert_same_as_cold(root, warm)


def test_new_file_after_those_read_is_read_alone(tmp_path: Path) -> None:
    root = _cached_root(tmp_path)
    load(root, RunCache())
    w = _writer(root / "run1", ".restart")  # a restart of the job: a new file, named later
    _write(w, range(3000, 3300), scale=2.0)
    w.close()
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 3 and not cache.doubts
    assert_same_as_cold(root, warm)


def test_file_gone_while_down_means_a_full_read(tmp_path: Path) -> None:
    root = _cached_root(tmp_path)
    w = _writer(root / "run0", ".restart")
    _write(w, range(3000, 3200), scale=3.0)
    w.close()
    load(root, RunCache())
    sorted((root / "run0").glob("*tfevents*"))[-1].unlink()
    cache = RunCache()
    warm = load(root, cache)
    assert any("gone" in d for d in cache.doubts)
    assert warm.runs["run0"].scalars["train/loss"].last_step == 2999
    assert_same_as_cold(root, warm)


def test_cache_of_another_version_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _cached_root(tmp_path, runs=2)
    with monkeypatch.context() as m:
        m.setattr(run_codec, "writer_version", lambda: "0.0.0-older")
        load(root, RunCache())
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 0 and len(cache.doubts) == 2
    assert all("another tfwatch version" in d for d in cache.doubts)
    assert_same_as_cold(root, warm)
    after = RunCache()  # rewritten by this version: used from now on
    load(root, after)
    assert after.used == 2


@pytest.mark.parametrize("harm", ["flipped byte", "partly written", "empty", "other format"])
def test_damaged_cache_file_is_not_used(tmp_path: Path, private_cache: Path, harm: str) -> None:
    root = _cached_root(tmp_path, runs=2)
    load(root, RunCache())
    victim = sorted(private_cache.rglob("*.run"))[0]
    data = bytearray(victim.read_bytes())
    if harm == "flipped byte":
        data[len(data) * 2 // 3] ^= 0x40
    elif harm == "partly written":
        data = data[: len(data) - 100]
    elif harm == "empty":
        data = bytearray()
    else:
        data[8] += 1  # the format number
    victim.write_bytes(bytes(data))
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 1 and len(cache.doubts) == 1
    assert_same_as_cold(root, warm)


def test_damaged_event_files_are_not_cached(tmp_path: Path, private_cache: Path) -> None:
    """A run with damage is read in full each time (its damage reported each time)."""
    root = _cached_root(tmp_path, runs=2)
    path = only_event_file(root / "run0")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    first = load(root, RunCache())
    assert first.runs["run0"].damage
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 1
    assert warm.runs["run0"].damage == first.runs["run0"].damage
    assert_same_as_cold(root, warm)


def test_size_cap_evicts_the_runs_used_longest_ago(tmp_path: Path, private_cache: Path) -> None:
    root = _cached_root(tmp_path, runs=4, steps=1500)
    load(root, RunCache())
    files = sorted(private_cache.rglob("*.run"))
    assert len(files) == 4
    one = files[0].stat().st_size
    for k, f in enumerate(files):  # used in this order, the first longest ago
        os.utime(f, (1000.0 + k, 1000.0 + k))
    removed = RunCache(max_bytes=2 * one + one // 2).trim()
    assert removed > 0
    left = sorted(private_cache.rglob("*.run"))
    assert left == files[2:]
    cache = RunCache()
    assert_same_as_cold(root, load(root, cache))
    assert cache.used == 2


def test_an_earlier_file_that_grew_means_a_full_read(tmp_path: Path) -> None:
    """Two writers in one run, both appending: a cold read takes the first file whole,
    then the second, so the first file's new points must not come after the second's."""
    root = tmp_path / "logs"
    first = _writer(root / "two")
    _write(first, range(0, 1000))
    second = _writer(root / "two", ".b")  # a second writer (a restarted job), a later file
    _write(second, range(500, 1500), scale=4.0)
    assert len(list((root / "two").glob("*tfevents*"))) == 2
    load(root, RunCache())
    _write(first, range(1000, 1200))  # the old writer goes on
    _write(second, range(1500, 1600), scale=4.0)
    cache = RunCache()
    warm = load(root, cache)
    assert any("a later file was read" in d for d in cache.doubts)
    assert_same_as_cold(root, warm)
    first.close()
    second.close()
