"""A record cut short at the end of a file is damage only when nobody can still finish
it: ``ls``, ``export`` and ``check`` call the tail of a recently modified file an
incomplete tail (its writer has not flushed yet), and a stale one ``truncated`` damage.
``check --fail-on damage`` gates on the damage, never on the incomplete tail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.system.writers import WriterFactory, writer_factory
from tests.writers import only_event_file, record_spans
from tfwatch.ingest.reads import STILL_WRITTEN_SECONDS

HOUR_AGO = 3600.0


@pytest.fixture(scope="module")
def writers() -> Iterator[WriterFactory]:
    with writer_factory() as factory:
        yield factory


def _settled_size(path: Path) -> int:
    """The file's size once its writer's thread stops appending (tensorboardX writes
    from a queue)."""
    size, deadline = -1, time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = path.stat().st_size
        if now == size and size:
            return size
        size = now
    raise TimeoutError(f"{path} kept growing")


def _ends_mid_record(path: Path) -> bool:
    data = path.read_bytes()
    spans = record_spans(data)
    return not spans or spans[-1][1] != len(data)


def _cut_copy(tbx_run, tmp_path: Path) -> Path:
    """A copy of a real tensorboardX run whose last record lost its last 9 bytes: what
    a writer leaves on disk between two flushes."""
    run = tbx_run("src", {"train/loss": [(s, 1.0 / (s + 1)) for s in range(50)]})
    root = tmp_path / "logs"
    shutil.copytree(run, root / "cut")
    shutil.rmtree(run)
    event_file = only_event_file(root / "cut")
    data = event_file.read_bytes()
    event_file.write_bytes(data[:-9])
    return root


def test_an_unflushed_tensorboardx_writer_leaves_an_incomplete_tail_not_damage(
    writers: WriterFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "logs"
    writer = writers.spawn("tbx", root / "live")
    # Its file is flushed every hour: a full 8 KiB buffer is written mid-record.
    writer.log_unflushed(400)
    event_file = Path(writer.event_files()[0])
    _settled_size(event_file)
    assert _ends_mid_record(event_file)

    (row,) = json.loads(run_cli(monkeypatch, "ls", "--json", str(root)).out)["runs"]
    assert row["damage"] == 0 and row["incomplete_tails"] == 1
    table = run_cli(monkeypatch, "ls", str(root)).out
    assert "incomplete tail (still being written)" in table and "damaged" not in table

    run = json.loads(run_cli(monkeypatch, "export", str(root)).out)["runs"]["live"]
    assert run["damage"] == []
    (tail,) = run["incomplete_tails"]
    assert tail["kind"] == "incomplete_tail" and tail["file"] == str(event_file)
    assert tail["offset"] + tail["pending_bytes"] == event_file.stat().st_size
    assert len(run["scalars"]["loss"]) > 0

    check = run_cli(monkeypatch, "check", "--fail-on", "damage", str(root))
    assert check.status == 0, check.out
    assert not any(ln.startswith(("damage", "FAIL")) for ln in check.out.splitlines())
    assert "live" in check.out and "incomplete tail (still being written)" in check.out
    data = json.loads(run_cli(monkeypatch, "check", "--json", "--fail-on", "damage", str(root)).out)
    assert data["damage"] == [] and not data["failed"]
    assert [(t["run"], t["kind"]) for t in data["incomplete_tails"]] == [
        ("live", "incomplete_tail")
    ]


def test_a_cut_record_is_an_incomplete_tail_while_fresh_and_damage_once_stale(
    tbx_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _cut_copy(tbx_run, tmp_path)
    event_file = only_event_file(root / "cut")

    fresh = json.loads(run_cli(monkeypatch, "export", str(root)).out)["runs"]["cut"]
    assert fresh["damage"] == [] and len(fresh["incomplete_tails"]) == 1
    assert run_cli(monkeypatch, "check", "--fail-on", "damage", str(root)).status == 0

    # Past the flush interval and its margin, nothing will finish the record.
    assert HOUR_AGO > STILL_WRITTEN_SECONDS
    old = time.time() - HOUR_AGO
    os.utime(event_file, (old, old))
    stale = json.loads(run_cli(monkeypatch, "export", str(root)).out)["runs"]["cut"]
    assert [d["kind"] for d in stale["damage"]] == ["truncated"]
    assert stale["incomplete_tails"] == []
    assert len(stale["scalars"]["train/loss"]) == 49  # every whole record is kept
    (row,) = json.loads(run_cli(monkeypatch, "ls", "--json", str(root)).out)["runs"]
    assert row["damage"] == 1 and row["incomplete_tails"] == 0
    assert run_cli(monkeypatch, "check", str(root)).status == 0  # default: damage listed
    gate = run_cli(monkeypatch, "check", "--fail-on", "damage", str(root))
    assert gate.status == 1
    assert any(
        ln.startswith("FAIL  damage  cut  ") and "truncated at byte" in ln
        for ln in gate.out.splitlines()
    ), gate.out


def test_fail_on_damage_gates_on_a_corrupt_record_only(
    tbx_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tbx_run("good", {"loss": [(s, 2.0 * 0.99**s + 0.05) for s in range(100)]})
    root = tmp_path
    assert run_cli(monkeypatch, "check", "--fail-on", "damage", str(root)).status == 0
    bad = tbx_run("bad", {"loss": [(s, 2.0 * 0.99**s + 0.05) for s in range(100)]})
    event_file = only_event_file(bad)
    data = bytearray(event_file.read_bytes())
    _, end = record_spans(bytes(data))[50]
    data[end - 6] ^= 0x20  # a value byte: only the payload CRC can tell
    event_file.write_bytes(bytes(data))
    assert good.exists()

    assert run_cli(monkeypatch, "check", str(root)).status == 0
    for fail_on in ("damage", "nan,damage", "all"):
        res = run_cli(monkeypatch, "check", "--fail-on", fail_on, str(root))
        assert res.status == 1, (fail_on, res.out)
        assert "payload_crc at byte" in res.out
    data = json.loads(run_cli(monkeypatch, "check", "--json", "--fail-on", "damage", str(root)).out)
    assert data["failed"] and [(d["run"], d["kind"]) for d in data["damage"]] == [
        ("bad", "payload_crc")
    ]


def test_check_help_documents_the_damage_gate() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "tfwatch", "check", "--help"], capture_output=True, text=True
    )
    assert res.returncode == 0
    words = " ".join(res.stdout.split())  # argparse wraps lines: compare the words
    assert "'damage' fails on damaged event files" in words
    assert "incomplete tail" in words
