"""What the views show of the runs: immutable summaries, replaced whole on each tick."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.convergence import Convergence, convergence
from tfwatch.model.alert_kinds import alert_severity
from tfwatch.model.run_states import ALL_STATES
from tfwatch.store.series import ScalarSeries
from tfwatch.text.sparkline import sparkline

#: Characters in a sparkline cell and points it summarises.
SPARK_WIDTH = 12
SPARK_POINTS = 240


@dataclass(frozen=True)
class TargetSteps:
    """Steps until one ``--target TAG=VALUE`` is reached (None values: unknown/never)."""

    tag: str
    target: float
    #: False when the run lacks the tag or its fit is poor ("n/a").
    known: bool
    steps: int | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class RunForecast:
    """Where the first metric is heading, and the steps to each target."""

    tag: str
    #: False when the fit is poor or the history too short ("n/a").
    known: bool
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    targets: tuple[TargetSteps, ...] = ()


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one run, as the runs table shows it."""

    tag: str
    higher_is_better: bool
    count: int
    last_value: float
    last_step: int
    best_value: float
    best_step: int
    nan_count: int
    inf_count: int
    #: Recent history drawn in :data:`SPARK_WIDTH` characters.
    spark: str
    #: Slope, plateau score, trend… of the smoothed metric.
    convergence: Convergence


@dataclass(frozen=True)
class RunSummary:
    """Everything the runs table, the header and the filter need about one run."""

    name: str
    root: str
    path: str
    #: One of :data:`~tfwatch.model.run_states.ALL_STATES`.
    state: str
    last_step: int
    #: Training speed now: over the recent points of the busiest tag while the run keeps
    #: stepping, NaN when unknown or when the run went quiet (see :func:`current_rate`).
    steps_per_second: float
    #: Local time of the last sign of life (event wall time or file growth).
    activity: float
    hparams: Mapping[str, str | float | bool]
    tags: tuple[str, ...]
    metrics: Mapping[str, MetricSummary]
    alerts: tuple[str, ...]
    damage: int
    files: int
    events: int
    version: int
    #: The live writer's PID (only while one is linked) and why the state is what it is.
    pid: int | None = None
    state_reason: str = ""
    #: Written on another host: no process here, the state rests on recency alone.
    remote: bool = False
    #: The alerts behind :attr:`alerts` (empty with a kinds-only alert source).
    alert_list: tuple[Alert, ...] = ()
    #: Filled in by the view's forecast pass (None until computed).
    forecast: RunForecast | None = None
    #: Speed over the recent points, even if the run has since gone quiet, and the usual
    #: seconds between its points (None when unknown): what :func:`current_rate` reads.
    recent_rate: float = math.nan
    cadence: float | None = None
    #: The host its event files name, its node and the mean utilisation and memory use
    #: (%) of its own GPUs, when node sources know them (None: unknown).
    host: str | None = None
    node: str | None = None
    gpu_util: float | None = None
    gpu_memory: float | None = None
    #: The metrics written with the hparams by ``add_hparams`` (one value each).
    final_metrics: Mapping[str, float] = field(default_factory=dict)

    @property
    def warned(self) -> bool:
        """Whether an alert that is not information holds (``converged`` alone is not)."""
        return any(alert_severity(kind) != "info" for kind in self.alerts)


@dataclass(frozen=True)
class Snapshot:
    """All runs at one moment, by name."""

    runs: Mapping[str, RunSummary]
    #: How many runs have each scalar tag.
    tag_counts: Mapping[str, int]
    metrics: tuple[str, ...]

    def count_by_state(self) -> dict[str, int]:
        """Runs per state, every state present (0 when none)."""
        counts: dict[str, int] = dict.fromkeys(ALL_STATES, 0)
        for run in self.runs.values():
            counts[run.state] = counts.get(run.state, 0) + 1
        return counts

    @property
    def with_alerts(self) -> int:
        """Runs with at least one alert that is not information (``converged``)."""
        return sum(1 for r in self.runs.values() if r.warned)


def summarize_metric(series: ScalarSeries, higher: bool) -> MetricSummary:
    """A :class:`MetricSummary` of one series."""
    recent = series.recent()
    best_value, best_step = series.best(higher)
    return MetricSummary(
        tag=series.tag,
        higher_is_better=higher,
        count=series.count,
        last_value=series.last_value,
        last_step=series.last_step,
        best_value=best_value,
        best_step=best_step,
        nan_count=series.nan_count,
        inf_count=series.inf_count,
        spark=sparkline(recent.values[-SPARK_POINTS:], SPARK_WIDTH),
        convergence=convergence(recent, higher),
    )
