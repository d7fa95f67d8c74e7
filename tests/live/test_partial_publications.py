"""While a long first load reads, the session publishes the runs read so far (the app's
table fills as they come); the pass at the end publishes them all, with the alerts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tfwatch.live import session as session_module
from tfwatch.live.factory import open_session
from tfwatch.live.publications import Published
from tfwatch.text.load_progress import load_progress_line


def test_runs_are_published_as_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k in range(6):
        w = SummaryWriter(str(tmp_path / f"run{k}"))
        for step in range(50):
            w.add_scalar("loss", 1.0 / (1 + step), step)
        w.close()
    monkeypatch.setattr(session_module, "PARTIAL_EVERY", 0.0)  # a load as long as can be
    session = open_session([str(tmp_path)], live=False, system=False)
    got: list[Published] = []
    done = threading.Event()

    def publish(p: Published) -> None:
        got.append(p)
        if not p.loading:
            done.set()

    session.start(publish)
    assert done.wait(60)
    session.stop()
    partial, final = [p for p in got if p.loading], got[-1]
    assert partial and not final.loading
    # Every run is listed from the first publication on (discovery is done); fewer
    # have points while the load reads.
    first = partial[0].snapshot
    assert len(first.runs) == 6
    assert sum(1 for r in first.runs.values() if r.last_step) < 6
    assert all(r.last_step == 49 for r in final.snapshot.runs.values())
    assert not any(p.active_alerts or p.new_alerts for p in partial)


def test_the_progress_line() -> None:
    assert load_progress_line(3, 10, 0, 5_000_000, 0.0) == "3/10 runs · 0 B of 5.0 MB"
    line = load_progress_line(3, 10, 2_000_000, 5_000_000, 2.0)
    assert line == "3/10 runs · 2.0 MB of 5.0 MB · 1.0 MB/s · 3s left"
