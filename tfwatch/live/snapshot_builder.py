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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.direction import higher_is_better
from tfwatch.live.health_source import HealthSource
from tfwatch.live.recency import current_rate, next_change, steps_per_second
from tfwatch.live.system_merge import system_state
from tfwatch.live.view_models import MetricSummary, RunSummary, Snapshot, summarize_metric
from tfwatch.model.cadence import write_cadence
from tfwatch.store.runs import Run
from tfwatch.system.run_state import RunStatus


def default_metrics(tag_counts: Mapping[str, int]) -> tuple[str, ...]:
    """The most common tag whose name contains ``loss``, else the first tag by name."""
    if not tag_counts:
        return ()
    losses = [t for t in tag_counts if "loss" in t.lower()]
    if losses:
        return (min(losses, key=lambda t: (-tag_counts[t], t)),)
    return (min(tag_counts),)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@dataclass
class SnapshotBuilder:
    """Builds :class:`Snapshot` objects, reusing the summaries of unchanged runs."""

    metrics: tuple[str, ...] = ()
    maximize: tuple[str, ...] = ()
    #: Alerts per run, given its state (the health checks), when available.
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
    #: Per run: (from, until, monitor state) over which its state and speed stand.
    _clock: dict[str, tuple[float, float, RunStatus | None]] = field(default_factory=dict)
    #: The last snapshot built (returned as it is when nothing changed).
    _last: Snapshot | None = None
    #: What the last full look at every run saw: the monitor's states, its time, the
    #: earliest time a run's state or speed moves on, and whether changed runs were left
    #: for a later build (over the budget). Until one of them moves, a build told that no
    #: run changed needs no look at each run.
    _seen: tuple[Mapping[str, RunStatus], float, float, bool] | None = None

    @property
    def behind(self) -> bool:
        """Whether the last build left changed runs for a later one (over the budget)."""
        return self._seen is not None and self._seen[3]

    def set_metrics(self, metrics: Iterable[str]) -> None:
        """Change the metric columns; every run is summarised again on the next build."""
        new = tuple(metrics)
        if new != self.metrics:
            self.metrics = new
            self._cache.clear()
            self._summarised_at.clear()
            self._clock.clear()
            self._last = None
            self._seen = None

    def build(
        self,
        runs: Mapping[str, Run],
        now: float | None = None,
        states: Mapping[str, RunStatus] | None = None,
        unchanged: bool = False,
    ) -> Snapshot:
        """Summaries of ``runs`` (the caller holds the store's lock). ``states``: the
        system monitor's run states by name; runs it lacks fall back to recency.

        What a pass costs follows what changed: a run whose data, monitor state and
        clock-driven state (see :func:`~tfwatch.live.recency.next_change`) all stand
        costs a few lookups, and a pass where nothing changed returns the previous
        snapshot itself (so the forecasts, the alert feed and the views skip it too).
        ``unchanged``: the caller knows no run was added, dropped or given data since the
        last build; then, until a state is due to move, not even each run is looked at."""
        now = time.time() if now is None else now
        states = states or {}
        previous = self._last
        if unchanged and previous is not None and self._stands(previous, len(runs), states, now):
            return previous
        if not self.metrics:
            self._count_tags(runs)
            self.metrics = default_metrics(self._tag_counts)
        stale: list[str] = []
        changed: list[str] = []
        cache, clock = self._cache, self._clock
        for name, run in runs.items():
            cached = cache.get(name)
            if cached is None:
                self._store(name, run, self._summarize(run, now, states.get(name)))
                changed.append(name)
                continue
            if cached[0] != run.version:
                stale.append(name)
                continue
            span = clock.get(name)
            if span is None or not span[0] <= now < span[1] or span[2] != states.get(name):
                changed.append(name)
        stale.sort(key=lambda n: self._summarised_at.get(n, 0.0))
        started = time.perf_counter()
        left = False
        for name in stale:
            if self.budget is not None and time.perf_counter() - started > self.budget:
                left = True
                break
            self._store(name, runs[name], self._summarize(runs[name], now, states.get(name)))
            changed.append(name)
        gone = [n for n in cache if n not in runs]
        if previous is not None and not changed and not gone and len(runs) == len(previous.runs):
            self._seen = (dict(states), now, self._next_due(), left)
            return previous  # nothing changed: nothing recomputed
        out = dict(previous.runs) if previous is not None else {}
        for name in changed:
            out[name] = self._with_clock(name, runs[name], now, states.get(name))
        for name in gone:
            del cache[name]
            out.pop(name, None)
            clock.pop(name, None)
            self._summarised_at.pop(name, None)
        if len(out) != len(runs):  # (runs left waiting for their budget keep old rows)
            out = {n: out[n] if n in out else cache[n][1] for n in runs}
        self._count_tags(runs, changed)
        self._last = Snapshot(out, dict(self._tag_counts), self.metrics)
        self._seen = (dict(states), now, self._next_due(), left)
        return self._last

    def _stands(
        self, last: Snapshot, runs: int, states: Mapping[str, RunStatus], now: float
    ) -> bool:
        """Whether the last full look (which built ``last``) still holds for ``runs``
        runs that did not change."""
        seen = self._seen
        if seen is None or seen[3] or len(last.runs) != runs:
            return False
        return seen[0] == states and seen[1] <= now < seen[2]

    def _next_due(self) -> float:
        """The earliest time a run's state or speed moves on with the clock alone."""
        return min((span[1] for span in self._clock.values()), default=float("inf"))

    def _with_clock(self, name: str, run: Run, now: float, status: RunStatus | None) -> RunSummary:
        """The cached summary with the state and speed that ``now`` and ``status`` give,
        and until when they stand."""
        version, summary = self._cache[name]
        state, pid, reason, remote = system_state(status, summary.activity, run.gone, now)
        if (state, pid, remote) != (summary.state, summary.pid, summary.remote):
            # Liveness alerts (stalled, crashed…) change with the state, not the data.
            kinds, alerts = self._alerts(run, now, state if status is not None else None)
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
        due = (
            now if run.gone else next_change(summary.activity, summary.cadence, now, status is None)
        )
        self._clock[name] = (now, due, status)
        return summary

    def _store(self, name: str, run: Run, summary: RunSummary) -> None:
        self._cache[name] = (run.version, summary)
        self._summarised_at[name] = time.perf_counter()

    def _count_tags(self, runs: Mapping[str, Run], names: Iterable[str] | None = None) -> None:
        """Keep per-tag run counts up to date, touching only runs whose tags changed
        (looking only at ``names`` when given: the runs that changed)."""
        for name in runs if names is None else names:
            run = runs[name]
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
        """(kinds, alerts) from :attr:`health`; a failing check
        shows as its own kind rather than stopping the refresh of every run."""
        try:
            if self.health is not None:
                alerts = tuple(self.health(run, now, state))
                return tuple(dict.fromkeys(a.kind for a in alerts)), alerts
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
            final_metrics=dict(run.final_metrics),
        )
