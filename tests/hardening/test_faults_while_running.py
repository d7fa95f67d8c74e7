"""Faults while tailing: files deleted, truncated, replaced, renamed; run directories
removed and re-created. Whatever happens, what was read is neither lost nor counted
twice, and the tailer carries on without a restart."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

Points = list[tuple[int, float]]


def _tailer(root: Path) -> Tailer:
    return Tailer([("root", LocalSource(str(root)))], RunFactory())


def _points(t: Tailer, run: str, tag: str = "loss") -> Points:
    pts = t.runs[run].scalars[tag].recent()
    return list(zip(pts.steps.tolist(), pts.values.tolist(), strict=True))


def _write(run_dir: Path, steps: range, scale: float = 1.0, suffix: str = "") -> Points:
    """A real tensorboardX run; returns the points as float32 values, as stored."""
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(run_dir), filename_suffix=suffix)
    for s in steps:
        w.add_scalar("loss", scale / (s + 1), s)
    w.close()
    import numpy as np

    return [(s, float(np.float32(scale / (s + 1)))) for s in steps]


def test_deleted_files_and_runs_keep_what_was_read(tmp_path: Path) -> None:
    first = _write(tmp_path / "r", range(0, 30), suffix=".a")
    t = _tailer(tmp_path)
    t.poll()
    time.sleep(1.05)  # file names carry the second: the resumed file sorts after
    second = _write(tmp_path / "r", range(30, 60), suffix=".b")
    t.poll()
    files = sorted((tmp_path / "r").iterdir())
    files[0].unlink()
    t.poll()
    assert _points(t, "r") == first + second and not t.runs["r"].gone
    assert [s.gone for s in t.runs["r"].files.values()] == [True, False]
    files[1].unlink()
    (tmp_path / "r").rmdir()
    assert t.poll().gone_runs == ["r"] and _points(t, "r") == first + second
    # The directory comes back with a new writer that resumes at step 60.
    third = _write(tmp_path / "r", range(60, 70))
    result = t.poll()
    assert result.new_runs == [] and not t.runs["r"].gone
    assert _points(t, "r") == first + second + third


def test_truncated_below_the_offset_then_rewritten(tmp_path: Path) -> None:
    _write(tmp_path / "r", range(50))
    t = _tailer(tmp_path)
    t.poll()
    path = only_event_file(tmp_path / "r")
    data = path.read_bytes()
    spans = record_spans(data)
    keep = spans[20][0]  # the version record and steps 0..18 stay
    # A restarted writer rewrites the file: the kept prefix, then new values from step 19.
    _write(tmp_path / "new", range(19, 40), scale=2.0)
    new = only_event_file(tmp_path / "new").read_bytes()
    os.truncate(path, keep)
    t.poll()
    with open(path, "ab") as f:
        f.write(new[record_spans(new)[1][0] :])  # its records, without a second header
    t.poll()
    assert [d.kind for d in t.runs["r"].damage] == ["shrunk"]
    pts = _points(t, "r")
    assert [s for s, _ in pts] == list(range(40))  # each step once
    import numpy as np

    assert all(v == float(np.float32(2.0 / (s + 1))) for s, v in pts if s >= 19)
    assert all(v == float(np.float32(1.0 / (s + 1))) for s, v in pts if s < 19)


def test_replaced_by_a_longer_copy_reads_only_the_new_records(tmp_path: Path) -> None:
    """What rsync and cloud sync clients do: write a temporary file, rename it over."""
    expected = _write(tmp_path / "src", range(60))
    full = only_event_file(tmp_path / "src").read_bytes()
    run = tmp_path / "r"
    run.mkdir()
    target = run / only_event_file(tmp_path / "src").name
    half = record_spans(full)[30][0]
    target.write_bytes(full[:half])
    t = _tailer(run.parent / "r")
    t.poll()
    inode = target.stat().st_ino
    tmp = run / ".sync-partial"
    tmp.write_bytes(full)
    os.replace(tmp, target)
    assert target.stat().st_ino != inode
    assert t.poll().bytes_read == len(full) - half
    assert _points(t, ".") == expected and not t.runs["."].damage


def test_replaced_by_a_shorter_file_is_read_again(tmp_path: Path) -> None:
    _write(tmp_path / "r", range(60))
    t = _tailer(tmp_path)
    t.poll()
    path = only_event_file(tmp_path / "r")
    fresh = _write(tmp_path / "other", range(10), scale=3.0)
    tmp = tmp_path / "r" / "incoming"
    tmp.write_bytes(only_event_file(tmp_path / "other").read_bytes())
    os.replace(tmp, path)
    t.poll()
    assert [d.kind for d in t.runs["r"].damage] == ["replaced"]
    # The new file's steps supersede the old ones from step 0 on (last write wins).
    assert _points(t, "r") == fresh


def test_renamed_file_and_renamed_run_directory(tmp_path: Path) -> None:
    expected = _write(tmp_path / "r", range(40))
    t = _tailer(tmp_path)
    t.poll()
    path = only_event_file(tmp_path / "r")
    path.rename(path.with_name(path.name + ".moved"))
    t.poll()
    assert _points(t, "r") == expected and t.runs["r"].scalars["loss"].count == 40
    (tmp_path / "r").rename(tmp_path / "r2")
    result = t.poll()
    assert result.gone_runs == ["r"] and result.new_runs == ["r2"]
    assert _points(t, "r") == expected and _points(t, "r2") == expected


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_appends_cut_anywhere_lose_and_repeat_nothing(cuts: list[int]) -> None:
    """A writer's flushes end anywhere, mid-record included: polled between each, the
    tailer ends with exactly the written points."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        expected = _write(root / "src", range(80))
        data = only_event_file(root / "src").read_bytes()
        (root / "src").rename(root / "hold")
        run = root / "r"
        run.mkdir()
        target = run / "events.out.tfevents.1.host"
        target.write_bytes(b"")
        t = _tailer(root)
        done = 0
        for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
            with open(target, "ab") as f:
                f.write(data[done:cut])
            done = max(done, cut)
            t.poll()
        assert _points(t, "r") == expected and not t.runs["r"].damage
        assert t.runs["r"].scalars["loss"].count == 80
