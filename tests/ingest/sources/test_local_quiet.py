"""A local root's quiet parts (unchanged for a minute) are looked at every 5–30 s
instead of every pass: an idle tree of finished runs costs little, and a run that
resumes, or a new run, is still seen within those seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.sources import local
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _write(run_dir: Path, steps: range, suffix: str = "") -> Path:
    """A closed tensorboardX run (its writer flushes from a thread until closed)."""
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(run_dir), filename_suffix=suffix)
    for step in steps:
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.close()
    return run_dir


def test_an_unchanged_listing_is_the_same_list_and_quiet_files_wait(tmp_path: Path) -> None:
    path = only_event_file(_write(tmp_path / "run", range(20)))
    whole = path.read_bytes()
    half = record_spans(whole)[11][0]  # the file version record and ten points
    path.write_bytes(whole[:half])
    clock = Clock()
    source = LocalSource(str(tmp_path), clock)
    first = source.list_event_files()
    assert source.list_event_files() is first  # nothing changed: the same list
    clock.now += local.QUIET_AFTER + 60  # its mtime a while back: quiet from now on
    assert source.list_event_files() is first
    wait = local.quiet_wait(local.QUIET_AFTER + 60)
    assert wait == 12.0
    with path.open("ab") as f:
        f.write(whole[half:])  # the writer's next ten points
    assert source.list_event_files() is first  # a quiet file is not looked at yet
    clock.now += wait * 0.5 - 0.01  # the shortest wait
    assert source.list_event_files() is first
    clock.now += wait * 0.5 + 0.02  # the longest
    grown = source.list_event_files()
    assert grown is not first and grown[0].size == len(whole)


def test_a_run_that_resumes_and_a_new_run_are_read_within_the_recheck(tmp_path: Path) -> None:
    clock = Clock()
    tailer = Tailer([("", LocalSource(str(tmp_path), clock))], RunFactory(True), clock)
    _write(tmp_path / "old", range(10))
    assert tailer.poll().changed == {"old"}
    clock.now += local.QUIET_AFTER + 60
    idle = tailer.poll()
    assert (idle.changed, idle.bytes_read, idle.new_runs) == (set(), 0, [])
    _write(tmp_path / "old", range(10, 15), ".resumed")  # a second file, sorting after
    assert len(list((tmp_path / "old").iterdir())) == 2
    _write(tmp_path / "new", range(1))
    assert tailer.poll().bytes_read == 0  # (both within the quiet wait)
    clock.now += local.quiet_wait(local.QUIET_AFTER + 60) + 0.01
    seen = tailer.poll()
    assert seen.changed == {"old", "new"} and seen.new_runs == ["new"]
    assert tailer.runs["old"].scalars["loss"].recent().steps.tolist() == list(range(15))
    assert tailer.runs["new"].scalars["loss"].recent().steps.tolist() == [0]
    assert tailer.poll().bytes_read == 0


def _listings_looked_at(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """(directory, time) of every directory listing looked at from now on."""
    looked: list[tuple[str, float]] = []
    look = LocalSource._listing
    monkeypatch.setattr(
        LocalSource, "_listing", lambda self, d, now: looked.append((d, now)) or look(self, d, now)
    )
    return looked


def test_a_quiet_tree_is_not_walked_until_a_part_of_it_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in range(3):
        _write(tmp_path / f"run{k}", range(5))
    clock = Clock()
    source = LocalSource(str(tmp_path), clock)
    walked = _listings_looked_at(monkeypatch)
    first = source.list_event_files()
    clock.now += local.QUIET_AFTER + 60
    assert source.list_event_files() is first  # marks every part quiet
    walked.clear()
    clock.now += local.RECHECK_MIN * 0.5 - 0.01  # before the soonest recheck
    assert source.list_event_files() is first and walked == []
    _write(tmp_path / "run3", range(5))  # a new run: seen once its parent is due
    clock.now += local.quiet_wait(local.QUIET_AFTER + 60) + 0.02
    assert len(source.list_event_files()) == 4 and walked


def test_long_quiet_parts_come_due_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs finished long ago are looked at again on a shared grid: the tree is walked
    once per grid step, not on every pass, and a change is still seen within the
    longest recheck."""
    for k in range(8):
        _write(tmp_path / f"run{k}", range(3))
    clock = Clock()
    source = LocalSource(str(tmp_path), clock)
    walks = _listings_looked_at(monkeypatch)
    source.list_event_files()
    clock.now += 3600.0  # an hour after the last write
    first = source.list_event_files()
    walks.clear()
    for _ in range(60):  # a minute of passes, one a second
        clock.now += 1.0
        assert source.list_event_files() is first
    assert 3 <= len({now for _, now in walks}) <= 60 / local.QUIET_GRID + 1
    path = only_event_file(tmp_path / "run0")
    with path.open("ab") as f:
        f.write(b"\0" * 16)  # (grown: what the listing reports, not read here)
    grown = None
    for _ in range(int(local.RECHECK_MAX) + 1):
        clock.now += 1.0
        listing = source.list_event_files()
        if listing is not first:
            grown = listing
            break
    assert grown is not None
