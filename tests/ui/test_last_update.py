"""One "last update" for the app's ``upd`` column and ``ls``: when the data was logged
(its events' wall times), not when the files were last modified, so a run copied from
elsewhere, or backfilled with old wall times, shows the same age in both."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.ui.app_driving import screen_text, sync, wait_for
from tfwatch.live.factory import open_session
from tfwatch.text.durations import format_age
from tfwatch.ui.app import TfwatchApp

THREE_DAYS = 3 * 86400.0


def _copied_backfilled_run(root: Path, logged_at: float) -> None:
    """A tensorboardX run whose points carry old wall times (its file-version event the
    time it was written), then copied: the copy's files are modified now."""
    from tensorboardX import SummaryWriter

    source = root.parent / "elsewhere"
    w = SummaryWriter(str(source / "old_run"))
    for step in range(50):
        w.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=logged_at + step)
    w.close()
    shutil.copytree(source, root, copy_function=shutil.copy)  # mtime: now
    shutil.rmtree(source)


@sync
async def test_app_and_ls_give_a_copied_run_the_same_last_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "logs"
    logged_at = time.time() - THREE_DAYS - 3600
    _copied_backfilled_run(root, logged_at)
    (event_file,) = (root / "old_run").iterdir()
    assert time.time() - event_file.stat().st_mtime < 60  # the copy is new

    (row,) = json.loads(run_cli(monkeypatch, "ls", "--json", str(root)).out)["runs"]
    assert row["last_write"] == pytest.approx(logged_at + 49)  # the last point's time
    ls_age = format_age(time.time() - row["last_write"])
    assert ls_age == "3d"
    ls_line = next(ln for ln in run_cli(monkeypatch, "ls", str(root)).out.splitlines()[1:])
    assert ls_line.split()[0] == "old_run" and ls_age in ls_line.split()

    app = TfwatchApp(open_session([str(root)], live=False, system=False))
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None and "old_run" in app.snapshot.runs)
        assert app.snapshot is not None
        assert app.snapshot.runs["old_run"].activity == row["last_write"]
        await wait_for(pilot, lambda: "old_run" in screen_text(app))
        (line,) = [ln for ln in screen_text(app).splitlines() if "old_run" in ln]
        assert f" {ls_age} " in f" {line} ", line
