"""Plain-data inputs of the linkage and the run state, taken from the store's ``Run``.

Call it where the store may be read (under the ingest lock): the results are immutable
and can be handed to the sampler thread.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tfwatch.store.runs import Run
from tfwatch.system.linkage import RunFiles
from tfwatch.system.run_state import RunProgress, recorded_end_step


def run_files(run: Run) -> RunFiles:
    """The run's directory and event files (those still present)."""
    files = tuple(path for path, f in run.files.items() if not f.gone)
    return RunFiles(name=run.name, path=run.path, event_files=files)


def write_cadence(wall_times: npt.ArrayLike) -> float | None:
    """Median gap between distinct write times (None with fewer than three)."""
    # Events of one step logged together differ by microseconds: count them as one write.
    times = np.unique(np.round(np.asarray(wall_times, dtype=np.float64), 3))
    gaps = np.diff(times)
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.shape[0] >= 2 else None


def step_stride(steps: npt.ArrayLike) -> int:
    """Median increment between logged steps (1 when unknown)."""
    diffs = np.diff(np.unique(np.asarray(steps, dtype=np.int64)))
    return max(1, int(np.median(diffs))) if diffs.shape[0] else 1


def run_progress(run: Run) -> RunProgress:
    """How far the run got and how often it writes, from its scalars and hparams."""
    last_step = max((s.last_step for s in run.scalars.values()), default=-1)
    walls: list[np.ndarray] = []
    stride = 1
    longest = 0
    for series in run.scalars.values():
        recent = series.recent()
        walls.append(recent.wall_times)
        if recent.steps.shape[0] > longest:
            longest, stride = recent.steps.shape[0], step_stride(recent.steps)
    cadence = write_cadence(np.concatenate(walls)) if walls else None
    return RunProgress(
        last_step=last_step,
        step_stride=stride,
        end_step=recorded_end_step(run.hparams),
        last_event_time=run.last_wall_time,
        cadence=cadence,
    )


def run_inputs(run: Run) -> tuple[RunFiles, RunProgress]:
    """Both inputs at once, as :class:`~tfwatch.system.sampler.SystemSampler` wants them."""
    return run_files(run), run_progress(run)
