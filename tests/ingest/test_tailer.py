"""Tailing: discovery, incremental reads, restarts, live appends, damage, vanished files."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.writers import only_event_file
from tfwatch.ingest.discovery import parse_roots
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.loading import load_once
from tfwatch.store.runs import RunFactory


def _tailer(*roots: Path, retain_all: bool = True) -> Tailer:
    specs = parse_roots([str(r) for r in roots])
    return Tailer([(s.label, LocalSource(s.path)) for s in specs], RunFactory(retain_all))


def _points(tailer: Tailer, run: str, tag: str) -> list[tuple[int, float]]:
    pts = tailer.runs[run].scalars[tag].recent()
    return list(zip(pts.steps.tolist(), pts.values.tolist(), strict=True))


def test_nested_runs_spaces_and_non_ascii_names(tbx_run, tmp_path: Path) -> None:
    tbx_run("parent", {"loss": [(0, 1.0)]})
    tbx_run("parent/child", {"loss": [(0, 2.0)]})
    tbx_run("sweep [lr=0.1] ä", {"loss": [(0, 3.0)]})
    (tmp_path / "not_a_run").mkdir()
    (tmp_path / "not_a_run" / "notes.txt").write_text("x")
    t = _tailer(tmp_path)
    t.poll()
    assert sorted(t.runs) == ["parent", "parent/child", "sweep [lr=0.1] ä"]


def test_root_itself_is_a_run_named_dot(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    w.add_scalar("a", 1.0, 1)
    w.close()
    t = _tailer(tmp_path)
    t.poll()
    assert list(t.runs) == ["."]


def test_several_roots_are_prefixed_by_label(tbx_run, tmp_path: Path) -> None:
    tbx_run("a/r1", {"x": [(0, 1.0)]})
    tbx_run("b/r1", {"x": [(0, 1.0)]})
    specs = parse_roots([f"base={tmp_path / 'a'}", str(tmp_path / "b")])
    t = Tailer([(s.label, LocalSource(s.path)) for s in specs], RunFactory())
    t.poll()
    assert sorted(t.runs) == ["b/r1", "base/r1"]


def test_restart_supersedes_repeated_steps(tmp_path: Path) -> None:
    """A job resumed from a checkpoint writes a second file that repeats steps."""
    from tensorboardX import SummaryWriter

    run = tmp_path / "run"
    w = SummaryWriter(str(run), filename_suffix=".a")
    for s in range(0, 100):
        w.add_scalar("loss", 1.0, s)
    w.close()
    time.sleep(1.1)  # the file name carries the time: the resumed file sorts after
    w = SummaryWriter(str(run), filename_suffix=".b")
    for s in range(60, 120):
        w.add_scalar("loss", 2.0, s)
    w.close()
    t = _tailer(tmp_path)
    t.poll()
    pts = _points(t, "run", "loss")
    assert [s for s, _ in pts] == list(range(120))
    assert all(v == 1.0 for s, v in pts if s < 60) and all(v == 2.0 for s, v in pts if s >= 60)


def _poll_until(t: Tailer, run: str, tag: str, n: int) -> int:
    """Poll until ``n`` points of ``tag`` are held (writers flush from a thread)."""
    total = 0
    deadline = time.time() + 10
    while time.time() < deadline:
        total += t.poll().bytes_read
        series = t.runs.get(run) and t.runs[run].scalars.get(tag)
        if series and series.count >= n:
            return total
        time.sleep(0.02)
    raise AssertionError(f"{run}/{tag}: fewer than {n} points after 10 s")


def test_incremental_reads_only_appended_bytes(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "r"), flush_secs=1)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    t = _tailer(tmp_path)
    first = _poll_until(t, "r", "x", 1)
    assert t.poll().bytes_read == 0
    w.add_scalar("x", 2.0, 1)
    w.flush()
    second = _poll_until(t, "r", "x", 2)
    assert 0 < second < first
    assert _points(t, "r", "x") == [(0, 1.0), (1, 2.0)]
    w.close()


def test_file_appended_while_being_read(tmp_path: Path) -> None:
    """A writer thread appends while the tailer polls: nothing lost, nothing twice."""
    from tensorboardX import SummaryWriter

    n = 3000
    w = SummaryWriter(str(tmp_path / "live"), flush_secs=1, max_queue=5)
    done = threading.Event()

    def write() -> None:
        for i in range(n):
            w.add_scalar("loss", float(i), i)
            if i % 50 == 0:
                w.flush()
        w.close()
        done.set()

    t = _tailer(tmp_path)
    thread = threading.Thread(target=write)
    thread.start()
    while not done.is_set():
        t.poll()
        time.sleep(0.005)
    thread.join()
    t.poll()
    pts = _points(t, "live", "loss")
    assert pts == [(i, float(i)) for i in range(n)]
    assert not t.runs["live"].damage


def test_damage_is_reported_with_file_offsets_and_rest_kept(tbx_run, tmp_path: Path) -> None:
    run = tbx_run("r", {"loss": [(i, float(i)) for i in range(100)]})
    path = only_event_file(run)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    tailer = load_once([str(tmp_path)], retain_all=True)
    r = tailer.runs["r"]
    assert len(r.damage) == 1
    d = r.damage[0]
    assert d.file == str(path) and 0 < d.offset < len(data) and d.skipped_bytes > 0
    assert r.scalars["loss"].count == 99


def test_zero_byte_event_file_is_a_run_without_data(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "events.out.tfevents.1.host").write_bytes(b"")
    tailer = load_once([str(tmp_path)])
    assert tailer.runs["empty"].events == 0 and not tailer.runs["empty"].damage


def test_new_runs_appear_and_deleted_runs_are_marked_gone(tbx_run, tmp_path: Path) -> None:
    tbx_run("a", {"x": [(0, 1.0)]})
    t = _tailer(tmp_path)
    t.poll()
    tbx_run("b", {"x": [(0, 1.0)]})
    result = t.poll()
    assert result.new_runs == ["b"]
    for f in (tmp_path / "a").iterdir():
        f.unlink()
    (tmp_path / "a").rmdir()
    result = t.poll()
    assert result.gone_runs == ["a"] and t.runs["a"].gone
    assert t.runs["a"].scalars["x"].count == 1  # what was read is kept


def test_truncated_file_is_reread(tbx_run, tmp_path: Path) -> None:
    run = tbx_run("r", {"x": [(i, float(i)) for i in range(50)]})
    t = _tailer(tmp_path)
    t.poll()
    path = only_event_file(run)
    data = path.read_bytes()
    os.truncate(path, len(data) // 2)
    t.poll()
    assert [d.kind for d in t.runs["r"].damage] == ["shrunk"]
    with open(path, "ab") as f:
        f.write(data[len(data) // 2 :])
    t.poll()
    assert _points(t, "r", "x") == [(i, float(i)) for i in range(50)]
