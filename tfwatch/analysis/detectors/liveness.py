"""``stalled`` / ``crashed``: a run that was writing and stopped.

With a run state from the system monitor (``running|stalled|finished|crashed|unknown``)
the state decides. Without one, a run is stalled when it was seen writing while tfwatch
watched and has then been silent for much longer than its own cadence: more than
``factor`` times the 95th percentile of the gaps between its events, and at least
``min_silence_s``. Without process information a clean finish looks the same as a
stall, which the message says; old runs that finished before tfwatch started are never
flagged.
"""

from __future__ import annotations

import math

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import observed_live
from tfwatch.analysis.protocols import RunLike
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.model.cadence import usual_gap as usual_write_gap
from tfwatch.model.run_states import RunState
from tfwatch.text.durations import format_duration


def usual_gap(run: RunLike) -> float:
    """95th percentile of the gaps between the run's distinct event wall times (0: unknown)."""
    walls = [s.recent().wall_times for s in run.scalars.values()]
    walls += [np.array([p.wall_time for p in h.recent()]) for h in run.histograms.values()]
    return usual_write_gap(np.concatenate(walls)) if walls else 0.0


def last_step(run: RunLike) -> int:
    """The highest last step over the run's scalars (-1 without any)."""
    return max((s.last_step for s in run.scalars.values()), default=-1)


def detect_liveness(
    run: RunLike, config: HealthConfig, now: float, state: str | None = None
) -> list[Alert]:
    """A ``stalled`` or ``crashed`` alert when the run stopped writing unexpectedly."""
    s = config.stalled
    if not s.enabled or run.gone:
        return []
    step = last_step(run)
    last = run.last_wall_time
    since = f"last event {format_duration(now - last)} ago" if last > 0 else "no events"
    at = f"at step {step:,}" if step >= 0 else "before any step"
    if state == RunState.CRASHED:
        text = f"the training process ended without finishing {at} ({since})"
        return [Alert(run.name, "", step, last, AlertKind.CRASHED, text)]
    if state == RunState.STALLED:
        text = f"the training process is alive but has stopped writing {at} ({since})"
        return [Alert(run.name, "", step, last, AlertKind.STALLED, text)]
    if state in (RunState.RUNNING, RunState.FINISHED):
        return []
    if not observed_live(run):
        return []
    growth = max([run.last_growth, *(f.last_growth for f in run.files.values())])
    if growth <= 0:
        return []
    gap = usual_gap(run)
    limit = max(s.min_silence_s, s.factor * gap)
    silent = now - growth
    if silent <= limit or math.isnan(silent):
        return []
    usual = f"usually every {format_duration(gap)}" if gap > 0 else "cadence unknown"
    text = f"no new events for {format_duration(silent)} ({usual}) {at}: stalled or finished?"
    return [Alert(run.name, "", step, last, AlertKind.STALLED, text)]
