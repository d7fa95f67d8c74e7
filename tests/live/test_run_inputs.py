"""Linkage and state inputs taken from runs the real ingest pipeline loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams

from tfwatch.ingest.discovery import parse_roots
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.live.run_inputs import RunInputsCache, run_inputs
from tfwatch.model.cadence import median, step_stride, write_cadence
from tfwatch.store.runs import RunFactory

T0 = 1_700_000_000.0


def test_files_progress_cadence_and_recorded_end(tmp_path: Path) -> None:
    run_dir = tmp_path / "exp"
    w = SummaryWriter(str(run_dir))
    for exp_sum in hparams({"lr": 0.01, "max_steps": 1000}, {"loss": 0.0}):
        w.file_writer.add_summary(exp_sum)
    for i in range(10):
        # Two tags per step, logged together: one write every 2 s.
        w.add_scalar("loss", 1.0 / (i + 1), 10 * i, walltime=T0 + 2 * i)
        w.add_scalar("acc", i / 10, 10 * i, walltime=T0 + 2 * i + 0.0001)
    w.close()
    (spec,) = parse_roots([str(tmp_path)])
    tailer = Tailer([(spec.label, LocalSource(spec.path))], RunFactory())
    tailer.poll()
    files, progress = run_inputs(tailer.runs["exp"])
    assert files.name == "exp" and Path(files.path) == run_dir
    assert [Path(f).parent for f in files.event_files] == [run_dir]
    assert (progress.last_step, progress.step_stride, progress.end_step) == (90, 10, 1000)
    assert progress.cadence == 2.0
    # The newest event is the file header or hparams, written now, after the old scalars.
    assert progress.last_event_time == tailer.runs["exp"].last_wall_time > T0 + 18
    assert progress.short_of_end()


def test_the_cache_recomputes_only_runs_that_changed(tmp_path: Path) -> None:
    def write(name: str, step: int) -> None:
        # tensorboardX names files by the second: a suffix keeps a quick restart apart.
        w = SummaryWriter(str(tmp_path / name), filename_suffix=f".restart{step}")
        w.add_scalar("loss", 1.0 / (step + 1), step)
        w.close()

    write("a", 0)
    write("b", 0)
    (spec,) = parse_roots([str(tmp_path)])
    tailer = Tailer([(spec.label, LocalSource(spec.path))], RunFactory())
    tailer.poll()
    cache = RunInputsCache()
    first = cache.inputs([tailer.runs["a"], tailer.runs["b"]])
    write("b", 7)  # a restart: a second event file in run b
    tailer.poll()
    second = cache.inputs([tailer.runs["a"], tailer.runs["b"]])
    assert second[0] is first[0]
    assert second[1] is not first[1]
    assert (second[1][1].last_step, len(second[1][0].event_files)) == (7, 2)


def test_cadence_and_stride_need_enough_points() -> None:
    assert write_cadence([T0]) is None
    assert write_cadence([T0, T0 + 5]) is None
    assert write_cadence([T0, T0 + 5, T0 + 10, T0 + 100]) == 5.0
    assert step_stride([7]) == 1
    assert step_stride([0, 5, 10, 10, 15]) == 5


def test_median_of_odd_and_even_counts() -> None:
    assert median(np.array([3.0, 1.0, 2.0])) == 2.0
    assert median(np.array([4, 1, 3, 2])) == 2.5
    assert median(np.array([7.5])) == 7.5
    assert median(np.array([1.0, np.inf, 2.0])) == 2.0
