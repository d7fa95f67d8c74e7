"""Immutable run summaries for views, built from the store on each refresh tick.

The builder runs in the ingest thread while it holds the tailer's lock and keeps the
last summary of each run with the run's ``version``: a run that did not change costs a
dictionary lookup, so a tick over thousands of idle runs stays cheap. Only a run's state
depends on the clock and is recomputed every time: the system monitor's state (running /
stalled / finished / crashed / unknown) when it has one for the run, else the recency
state (running / idle / finished / gone).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.convergence import Convergence, convergence
from tfwatch.analysis.direction import higher_is_better
from tfwatch.model.cadence import write_cadence
from tfwatch.model.damage import Damage
from tfwatch.model.run_states import (
    ALL_STATES,
    IDLE_SECONDS,
    NOT_STEPPING_STATES,
    RUNNING_SECONDS,
    RunState,
)
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries, SeriesArrays
from tfwatch.text.sparkline import sparkline

if TYPE_CHECKING:
    from tfwatch.system.run_state import RunStatus

#: Characters in a sparkline cell and points it summarises.
SPARK_WIDTH = 12
SPARK_POINTS = 240
#: A run's speed is shown only while its steps keep coming: it is dropped after silence
#: longer than this many of its usual intervals between points. Writers queue up to ten
#: events before they flush (tensorboardX, PyTorch and TensorFlow alike), so a healthy run
#: can stay silent for about ten intervals; fewer would make the speed blink.
RATE_QUIET_INTERVALS = 10
#: ...and never before this many seconds of silence (a poll or two of a busy root).
RATE_QUIET_FLOOR_S = 10.0

#: Alert kinds of a run (the older, kinds-only health hook).
AlertSource = Callable[[Run, float], Sequence[str]]
#: Full alerts of a run given the clock and its system state (None when not known).
HealthSource = Callable[[Run, float, "str | None"], Sequence[Alert]]


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


@dataclass(frozen=True)
class Snapshot:
    """All runs at one moment, by name."""

    taken_at: float
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
        """Runs with at least one alert."""
        return sum(1 for r in self.runs.values() if r.alerts)


def health_alerts(config: object | None = None) -> HealthSource:
    """A :data:`HealthSource` running every detector with ``config`` (None: defaults)."""
    from tfwatch.analysis.config import HealthConfig
    from tfwatch.analysis.health import run_health

    cfg = config if isinstance(config, HealthConfig) else None

    def check(run: Run, now: float, state: str | None) -> list[Alert]:
        return run_health(run, cfg, now, state)

    return check


def system_state(
    state: RunStatus | None, activity: float, gone: bool, now: float
) -> tuple[str, int | None, str, bool]:
    """(state, live pid, reason, remote): the monitor's view, else recency alone."""
    if gone:
        return RunState.GONE, None, "the run directory is gone", False
    if state is None:
        return (
            run_state(activity, gone, now),
            None,
            "from write recency alone (no process scan has covered it)",
            False,
        )
    pid = state.pid if state.alive else None
    return state.state, pid, state.reason, state.remote


def health_alert_kinds(run: Run, now: float) -> list[str]:
    """Kinds of the health alerts that hold for ``run`` now (each kind once)."""
    from tfwatch.analysis.health import run_health

    return list(dict.fromkeys(a.kind for a in run_health(run, None, now)))


def default_metrics(tag_counts: Mapping[str, int]) -> tuple[str, ...]:
    """The most common tag whose name contains ``loss``, else the first tag by name."""
    if not tag_counts:
        return ()
    losses = [t for t in tag_counts if "loss" in t.lower()]
    if losses:
        return (min(losses, key=lambda t: (-tag_counts[t], t)),)
    return (min(tag_counts),)


def run_state(activity: float, gone: bool, now: float) -> RunState:
    """running / idle / finished / gone from the time of the last sign of life."""
    if gone:
        return RunState.GONE
    age = now - activity
    if age <= RUNNING_SECONDS:
        return RunState.RUNNING
    if age <= IDLE_SECONDS:
        return RunState.IDLE
    return RunState.FINISHED


def steps_per_second(points: SeriesArrays, last: int = 64) -> float:
    """Steps per second over the last ``last`` points (NaN without two distinct times)."""
    n = len(points)
    if n < 2:
        return math.nan
    a = max(0, n - last)
    dt = float(points.wall_times[-1] - points.wall_times[a])
    ds = float(points.steps[-1] - points.steps[a])
    return ds / dt if dt > 0 else math.nan


def current_rate(
    recent_rate: float, state: str, activity: float, cadence: float | None, now: float
) -> float:
    """The speed to show for a run: ``recent_rate`` while it is stepping; NaN once it is
    stalled, idle or ended, or has been silent for longer than
    :data:`RATE_QUIET_INTERVALS` of its usual intervals (at least
    :data:`RATE_QUIET_FLOOR_S`), so a stopped run never keeps its last speed."""
    if state in NOT_STEPPING_STATES or math.isnan(recent_rate):
        return math.nan
    quiet_after = max(RATE_QUIET_FLOOR_S, RATE_QUIET_INTERVALS * (cadence or 0.0))
    if activity > 0 and now - activity > quiet_after:
        return math.nan
    return recent_rate


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


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


@dataclass
class SnapshotBuilder:
    """Builds :class:`Snapshot` objects, reusing the summaries of unchanged runs."""

    metrics: tuple[str, ...] = ()
    maximize: tuple[str, ...] = ()
    #: Alert kinds per run (the health checks), when available.
    alert_source: AlertSource | None = None
    #: Full alerts per run, given its state (preferred over :attr:`alert_source`).
    health: HealthSource | None = None
    #: Local time of the first complete read: file growth before it is the cold load,
    #: not a sign that the run is live.
    loaded_at: float = 0.0
    #: Seconds of re-summarising changed runs per build. Runs that changed beyond it keep
    #: their previous summary until a later build (least recently summarised first), so
    #: hundreds of live runs cost a bounded share of a core. New runs are always
    #: summarised; None: no limit.
    budget: float | None = 0.05
    _summarised_at: dict[str, float] = field(default_factory=dict)
    _cache: dict[str, tuple[int, RunSummary]] = field(default_factory=dict)
    _tag_counts: Counter[str] = field(default_factory=Counter)
    _tags_of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def set_metrics(self, metrics: Iterable[str]) -> None:
        """Change the metric columns; every run is summarised again on the next build."""
        new = tuple(metrics)
        if new != self.metrics:
            self.metrics = new
            self._cache.clear()
            self._summarised_at.clear()

    def build(
        self,
        runs: Mapping[str, Run],
        now: float | None = None,
        states: Mapping[str, RunStatus] | None = None,
    ) -> Snapshot:
        """Summaries of ``runs`` (the caller holds the store's lock). ``states``: the
        system monitor's run states by name; runs it lacks fall back to recency."""
        now = time.time() if now is None else now
        states = states or {}
        if not self.metrics:
            self._count_tags(runs)
            self.metrics = default_metrics(self._tag_counts)
        out: dict[str, RunSummary] = {}
        stale: list[str] = []
        for name, run in runs.items():
            cached = self._cache.get(name)
            if cached is None:
                self._store(name, run, self._summarize(run, now, states.get(name)))
            elif cached[0] != run.version:
                stale.append(name)
        stale.sort(key=lambda n: self._summarised_at.get(n, 0.0))
        started = time.perf_counter()
        for name in stale:
            if self.budget is not None and time.perf_counter() - started > self.budget:
                break
            self._store(name, runs[name], self._summarize(runs[name], now, states.get(name)))
        for name, run in runs.items():
            version, summary = self._cache[name]
            state, pid, reason, remote = system_state(
                states.get(name), summary.activity, run.gone, now
            )
            if (state, pid, remote) != (summary.state, summary.pid, summary.remote):
                # Liveness alerts (stalled, crashed…) change with the state, not the data.
                kinds, alerts = self._alerts(run, now, state if name in states else None)
                summary = replace(
                    summary, state=state, pid=pid, state_reason=reason, remote=remote,
                    alerts=kinds, alert_list=alerts,
                )  # fmt: skip
                self._cache[name] = (version, summary)
            # The speed, like the state, fades with the clock and not with the data.
            rate = current_rate(summary.recent_rate, state, summary.activity, summary.cadence, now)
            if not _same(rate, summary.steps_per_second):
                summary = replace(summary, steps_per_second=rate)
                self._cache[name] = (version, summary)
            out[name] = summary
        for name in [n for n in self._cache if n not in runs]:
            del self._cache[name]
            self._summarised_at.pop(name, None)
        self._count_tags(runs)
        return Snapshot(now, out, dict(self._tag_counts), self.metrics)

    def _store(self, name: str, run: Run, summary: RunSummary) -> None:
        self._cache[name] = (run.version, summary)
        self._summarised_at[name] = time.perf_counter()

    def _count_tags(self, runs: Mapping[str, Run]) -> None:
        """Keep per-tag run counts up to date, touching only runs whose tags changed."""
        for name, run in runs.items():
            known = self._tags_of.get(name)
            if known is not None and len(known) == len(run.scalars):
                continue
            tags = tuple(sorted(run.scalars))
            if known:
                self._tag_counts.subtract(known)
            self._tag_counts.update(tags)
            self._tags_of[name] = tags
        for name in [n for n in self._tags_of if n not in runs]:
            self._tag_counts.subtract(self._tags_of.pop(name))
        self._tag_counts += Counter()  # drop zero counts

    def _alerts(
        self, run: Run, now: float, state: str | None
    ) -> tuple[tuple[str, ...], tuple[Alert, ...]]:
        """(kinds, alerts) from :attr:`health` or :attr:`alert_source`; a failing check
        shows as its own kind rather than stopping the refresh of every run."""
        try:
            if self.health is not None:
                alerts = tuple(self.health(run, now, state))
                return tuple(dict.fromkeys(a.kind for a in alerts)), alerts
            if self.alert_source is not None:
                return tuple(self.alert_source(run, now)), ()
        except Exception:
            return ("health_check_failed",), ()
        return (), ()

    def _summarize(self, run: Run, now: float, system: RunStatus | None) -> RunSummary:
        metrics: dict[str, MetricSummary] = {}
        for tag in self.metrics:
            series = run.scalars.get(tag)
            if series is not None and series.count:
                metrics[tag] = summarize_metric(series, higher_is_better(tag, self.maximize))
        busiest = max(run.scalars.values(), key=lambda s: s.count, default=None)
        recent = busiest.recent() if busiest is not None else None
        sps = steps_per_second(recent) if recent is not None else math.nan
        cadence = write_cadence(recent.wall_times) if recent is not None else None
        activity = run.last_update(self.loaded_at)  # as `ls` says it
        state, pid, reason, remote = system_state(system, activity, run.gone, now)
        kinds, alerts = self._alerts(run, now, state if system is not None else None)
        return RunSummary(
            name=run.name,
            root=run.root,
            path=run.path,
            state=state,
            last_step=run.last_step,
            steps_per_second=current_rate(sps, state, activity, cadence, now),
            activity=activity,
            hparams=dict(run.hparams),
            tags=tuple(sorted(run.scalars)),
            metrics=metrics,
            alerts=kinds,
            damage=len(run.damage),
            files=len(run.files),
            events=run.events,
            version=run.version,
            pid=pid,
            state_reason=reason,
            remote=remote,
            alert_list=alerts,
            recent_rate=sps,
            cadence=cadence,
        )


@dataclass(frozen=True)
class FileSummary:
    """One event file as the detail screen lists it."""

    name: str
    size: int
    offset: int
    records: int
    gone: bool
    host: str | None
    pid: int | None


@dataclass(frozen=True)
class RunDetail:
    """A copy of one run's data for the detail screen: every scalar tag's history."""

    name: str
    path: str
    hparams: Mapping[str, str | float | bool]
    scalars: Mapping[str, SeriesArrays]
    histograms: tuple[str, ...]
    text_tags: tuple[str, ...]
    image_tags: tuple[str, ...]
    files: tuple[FileSummary, ...]
    damage: tuple[Damage, ...]
    events: int
    #: The metrics add_hparams wrote with the hparams (one final value each).
    final_metrics: Mapping[str, float] = field(default_factory=dict)


def _copy(arrays: SeriesArrays) -> SeriesArrays:
    return SeriesArrays(
        np.array(arrays.steps, copy=True),
        np.array(arrays.values, copy=True),
        np.array(arrays.wall_times, copy=True),
    )


def run_detail(run: Run) -> RunDetail:
    """Copy what the detail screen shows (the caller holds the store's lock)."""
    return RunDetail(
        name=run.name,
        path=run.path,
        hparams=dict(run.hparams),
        scalars={tag: _copy(s.overview()) for tag, s in sorted(run.scalars.items())},
        histograms=tuple(sorted(run.histograms)),
        text_tags=tuple(sorted(run.text_tags)),
        image_tags=tuple(sorted(run.image_tags)),
        files=tuple(
            FileSummary(f.name, f.size, f.offset, f.records, f.gone, f.host, f.pid)
            for f in run.files.values()
        ),
        damage=tuple(run.damage),
        events=run.events,
        final_metrics=dict(run.final_metrics),
    )


def series_of(runs: Mapping[str, Run], names: Iterable[str], tag: str) -> dict[str, SeriesArrays]:
    """Copies of one tag's whole history (overview) for each named run that has it."""
    out: dict[str, SeriesArrays] = {}
    for name in names:
        run = runs.get(name)
        series = run.scalars.get(tag) if run is not None else None
        if series is not None and series.count:
            out[name] = _copy(series.overview())
    return out
