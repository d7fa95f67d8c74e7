"""Plain-data inputs of the linkage and the run state, taken from the store's ``Run``.

Call it where the store may be read (under the ingest lock): the results are immutable
and can be handed to the sampler thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from tfwatch.model.cadence import step_stride, write_cadence
from tfwatch.store.runs import Run
from tfwatch.system.linkage import RunFiles
from tfwatch.system.run_state import RunProgress, recorded_end_epoch, recorded_end_step


def run_files(run: Run) -> RunFiles:
    """The run's directory and event files (those still present)."""
    files = tuple(path for path, f in run.files.items() if not f.gone)
    return RunFiles(name=run.name, path=run.path, event_files=files)


def last_epoch(run: Run) -> int | None:
    """The highest epoch a run logged, from 0: the value of an ``epoch`` scalar (PyTorch
    Lightning, hand-written loops) or else the last step of Keras' ``epoch_*`` tags, whose
    steps are epochs. None when it logs neither."""
    counted = [s for tag, s in run.scalars.items() if tag.rsplit("/", 1)[-1] == "epoch"]
    if counted:
        highest = max(s.max_value for s in counted)
        return int(highest) if math.isfinite(highest) else None
    keras = [s.last_step for tag, s in run.scalars.items() if tag.startswith("epoch_")]
    return max(keras) if keras else None


def run_progress(run: Run) -> RunProgress:
    """How far the run got and how often it writes, from its scalars and hparams.

    Cadence and stride come from the run's most populated tag alone: every tag of a run
    is written by the same loop, and one series keeps this cheap for thousands of runs.
    """
    last_step = max((s.last_step for s in run.scalars.values()), default=-1)
    busiest = max(run.scalars.values(), key=lambda s: s.count, default=None)
    cadence, stride = None, 1
    if busiest is not None:
        recent = busiest.recent()
        cadence, stride = write_cadence(recent.wall_times), step_stride(recent.steps)
    end_epoch = recorded_end_epoch(run.hparams)
    return RunProgress(
        last_step=last_step,
        step_stride=stride,
        end_step=recorded_end_step(run.hparams),
        last_event_time=run.last_wall_time,
        cadence=cadence,
        end_epoch=end_epoch,
        # (Only looked for when there is an end to compare it with.)
        last_epoch=last_epoch(run) if end_epoch is not None else None,
    )


def run_inputs(run: Run) -> tuple[RunFiles, RunProgress]:
    """Both inputs at once, as :class:`~tfwatch.system.sampler.SystemSampler` wants them."""
    return run_files(run), run_progress(run)


class RunInputsCache:
    """:func:`run_inputs` for many runs, recomputed only for runs whose ``version`` moved.

    Meant for the sampler's runs provider: call :meth:`inputs` under the store's lock.
    """

    def __init__(self) -> None:
        self._cached: dict[str, tuple[int, int, int, tuple[RunFiles, RunProgress]]] = {}

    def inputs(self, runs: Iterable[Run]) -> list[tuple[RunFiles, RunProgress]]:
        """Inputs of every run given, in order."""
        out = []
        fresh: dict[str, tuple[int, int, int, tuple[RunFiles, RunProgress]]] = {}
        for run in runs:
            key = (run.version, len(run.files), sum(f.gone for f in run.files.values()))
            hit = self._cached.get(run.name)
            value = hit[3] if hit is not None and hit[:3] == key else run_inputs(run)
            fresh[run.name] = (*key, value)
            out.append(value)
        self._cached = fresh
        return out
