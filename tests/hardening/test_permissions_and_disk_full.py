"""A directory or file without read permission, and a disk that fills up under the writer.

Root reads everything, so the permission checks run the tailer as ``nobody`` (through
``setpriv``) in a child process that polls once per line it is sent. The full disk is
a 64 KiB tmpfs mounted for the test (skipped where mounting is refused).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

_POLLER = """
import json, sys
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory
t = Tailer([("root", LocalSource(sys.argv[1]))], RunFactory())
for _ in sys.stdin:
    r = t.poll()
    runs = {n: (run.scalars["loss"].count if "loss" in run.scalars else 0, run.gone)
            for n, run in t.runs.items()}
    print(json.dumps({"errors": r.errors, "state": t.statuses[0].state, "runs": runs}),
          flush=True)
"""


def _as_unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []  # permissions already apply
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be denied")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A root the unprivileged user can reach (pytest's tmp_path is private to root)."""
    top = Path(tempfile.mkdtemp(prefix="tfwatch-perm-"))
    top.chmod(0o755)
    try:
        yield top
    finally:
        for d, _, files in os.walk(top):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        shutil.rmtree(top)


def _write(run_dir: Path, n: int) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(run_dir))
    for s in range(n):
        w.add_scalar("loss", 1.0 / (s + 1), s)
    w.close()
    for d, _, files in os.walk(run_dir.parent):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)


def test_unreadable_directory_and_file_are_reported_then_recovered(shared_root: Path) -> None:
    for name in ("ok", "locked_dir", "locked_file"):
        _write(shared_root / name, 10)
    (shared_root / "locked_dir").chmod(0)
    only_event_file(shared_root / "locked_file").chmod(0)
    cmd = [*_as_unprivileged(), sys.executable, "-c", _POLLER, str(shared_root)]
    with subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/"
    ) as child:
        assert child.stdin is not None and child.stdout is not None

        def poll() -> dict[str, object]:
            child.stdin.write("\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]
            return json.loads(child.stdout.readline())  # type: ignore[union-attr,no-any-return]

        first = poll()
        assert first["state"] == "failing"
        errors = " | ".join(first["errors"])  # type: ignore[arg-type]
        assert "locked_dir: permission denied" in errors
        assert "locked_file" in errors and "Permission denied" in errors
        runs = first["runs"]
        assert runs["ok"] == [10, False] and runs["locked_file"] == [0, False]  # type: ignore[index]
        (shared_root / "locked_dir").chmod(0o755)
        only_event_file(shared_root / "locked_file").chmod(0o644)
        second = poll()  # the same process: no restart
        assert second["state"] == "ok" and second["errors"] == []
        assert second["runs"] == {n: [10, False] for n in ("ok", "locked_dir", "locked_file")}
        child.stdin.close()
        assert child.wait(timeout=30) == 0


def test_one_shot_ls_lists_the_readable_runs_and_warns(shared_root: Path) -> None:
    for name in ("ok", "locked_dir"):
        _write(shared_root / name, 10)
    (shared_root / "locked_dir").chmod(0)
    env = {**os.environ, "HOME": "/tmp", "XDG_CONFIG_HOME": "/tmp/nonexistent"}
    cmd = [*_as_unprivileged(), sys.executable, "-m", "tfwatch", "ls", "--json", str(shared_root)]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd="/", env=env, timeout=60,
        # tfwatch must be importable by the unprivileged user: run from the source tree
    )  # fmt: skip
    if "No module named" in done.stderr:
        pytest.skip("the package is not readable by the unprivileged user here")
    assert done.returncode == 0, done.stderr
    assert "locked_dir: permission denied" in done.stderr and "Traceback" not in done.stderr
    names = [r["name"] for r in json.loads(done.stdout)["runs"]]
    assert names == ["ok"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, unmounted afterwards."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"mount refused: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_disk_full_for_the_writer_loses_only_what_was_not_written(
    small_disk: Path, tmp_path: Path
) -> None:
    """Records are appended as a writer flushes them; the disk fills (one record torn),
    space comes back and writing goes on. The tailer, polled throughout, holds every
    record that reached the disk, once, and reports the torn one."""
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "src"))
    for s in range(3000):
        w.add_scalar("loss", float(s), s)
    w.close()
    data = only_event_file(tmp_path / "src").read_bytes()
    records = [data[a:b] for a, b in record_spans(data)]
    run = small_disk / "run"
    run.mkdir()
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (40 << 10))
    t = Tailer([("root", LocalSource(str(small_disk)))], RunFactory())
    written: list[int] = []  # steps of the records that reached the disk whole
    torn = 0
    fd = os.open(run / "events.out.tfevents.1.host", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for i, rec in enumerate(records):
            if i == len(records) // 2:
                filler.unlink()  # space comes back
                t.poll()
            try:
                n = os.write(fd, rec)
            except OSError as e:
                assert e.errno == errno.ENOSPC
                continue  # the writer drops this record and goes on
            if n < len(rec):
                torn += 1  # the rest did not fit: the record is cut short on disk
            elif i > 0:
                written.append(i - 1)  # record i holds step i - 1 (record 0: version)
            if i % 200 == 0:
                t.poll()
    finally:
        os.close(fd)
    t.poll()
    assert torn + (len(records) - 1 - len(written)) > 0, "the disk never filled"
    series = t.runs["run"].scalars["loss"]
    pts = series.recent()
    assert series.count == len(written)
    assert pts.steps.tolist()[-len(pts) :] == written[-len(pts) :]
    assert series.first_step == written[0] and series.last_step == written[-1]
    assert (torn == 0) or t.runs["run"].damage
