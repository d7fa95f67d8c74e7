"""Forecasts for the runs table: the first metric's final value and steps to targets.

A fit costs a few ms per series, so it runs in the ingest thread (under the store's
lock), only for runs whose ``version`` moved since their last fit, least recently fitted
first, and within a time budget per tick: a run waiting for its fit shows its previous
forecast. New fits are shown in batches (when the queue is empty, or every few seconds):
each changed row costs the table a repaint, and hundreds of runs fitted a few per tick
would otherwise repaint it on every tick of the first minute. When the metric changes, the
old metric's forecasts are cleared at once and the new ones shown as they come.
Pure code (no Textual): the app calls :meth:`ForecastCache.apply` on each snapshot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from tfwatch.analysis.direction import higher_is_better
from tfwatch.analysis.forecast import Forecast, forecast, steps_to_target
from tfwatch.live.view_models import RunForecast, RunSummary, Snapshot, TargetSteps
from tfwatch.store.runs import Run

#: Bootstrap replicates per fit: half the library default, for half the cost; the
#: interval's ends move by a few percent of its width.
REPLICATES = 100


def run_forecast(
    run: Run, tag: str, targets: Sequence[tuple[str, float]], maximize: Sequence[str] = ()
) -> RunForecast:
    """Forecast of ``tag`` for ``run`` and the steps to each target (caller holds the lock)."""
    fits: dict[str, Forecast | None] = {}

    def fit(name: str) -> Forecast | None:
        if name not in fits:
            series = run.scalars.get(name)
            # A metric that ended on NaN/Inf has diverged: a curve fitted to its finite
            # past would forecast a recovery that is not coming.
            usable = series is not None and series.count and math.isfinite(series.last_value)
            points = series.overview() if series is not None and usable else None
            fits[name] = forecast(points, replicates=REPLICATES) if points is not None else None
        return fits[name]

    main = fit(tag)
    steps: list[TargetSteps] = []
    for target_tag, target in targets:
        fc = fit(target_tag)
        if fc is None:
            steps.append(TargetSteps(target_tag, target, known=False))
            continue
        eta = steps_to_target(fc, target, higher_is_better(target_tag, maximize))
        steps.append(TargetSteps(target_tag, target, True, eta.steps, eta.low, eta.high))
    if main is None:
        return RunForecast(tag, known=False, targets=tuple(steps))
    return RunForecast(
        tag,
        known=True,
        value=main.value,
        low=main.low,
        high=main.high,
        targets=tuple(steps),
    )


@dataclass
class ForecastCache:
    """Forecasts per run, refitted only when a run's data changed."""

    targets: tuple[tuple[str, float], ...] = ()
    maximize: tuple[str, ...] = ()
    #: Seconds of fitting per tick; None: no limit (tests, screenshots).
    budget: float | None = 0.02
    #: Seconds between showing new fits while some are still queued.
    publish_every: float = 10.0
    #: Per run: (version, metric, forecast) of the last fit.
    _fits: dict[str, tuple[int, str, RunForecast]] = field(default_factory=dict)
    #: Per run: the summary given and the one returned, so unchanged rows keep identity.
    _out: dict[str, tuple[RunSummary, RunSummary]] = field(default_factory=dict)
    _fitted_at: dict[str, float] = field(default_factory=dict)
    #: The forecast each run shows (the fits as of the last publication).
    _shown: dict[str, RunForecast] = field(default_factory=dict)
    _published_at: float = 0.0
    #: The metric of the last call, and whether fits of a newly chosen metric are still
    #: being made (they are then shown as they come, not in batches).
    _tag: str | None = None
    _catching_up: bool = False
    #: The last call: (snapshot given, snapshot returned, metric, fits still waiting).
    _last: tuple[Snapshot, Snapshot, str, bool] | None = None

    @property
    def waiting(self) -> bool:
        """Whether fits were left for a later call (over the budget)."""
        return self._last is not None and self._last[3]

    def apply(self, snapshot: Snapshot, runs: Mapping[str, Run]) -> Snapshot:
        """``snapshot`` with :attr:`RunSummary.forecast` filled in where known."""
        tag = snapshot.metrics[0] if snapshot.metrics else None
        if tag is None:
            return snapshot
        last = self._last
        if last is not None and last[0] is snapshot and last[2] == tag and not last[3]:
            return last[1]  # the same snapshot, every fit done: nothing to recompute
        if tag != self._tag:
            # Another metric: never show the old one's forecasts under the new header.
            self._tag, self._catching_up = tag, self._tag is not None
            self._shown = {n: f for n, f in self._shown.items() if f.tag == tag}
        stale = [
            name
            for name, summary in snapshot.runs.items()
            if (fit := self._fits.get(name)) is None or fit[:2] != (summary.version, tag)
        ]
        stale.sort(key=lambda n: self._fitted_at.get(n, 0.0))
        started = time.perf_counter()
        for name in stale:
            if self.budget is not None and time.perf_counter() - started > self.budget:
                break
            run = runs.get(name)
            if run is None:
                continue
            result = run_forecast(run, tag, self.targets, self.maximize)
            self._fits[name] = (snapshot.runs[name].version, tag, result)
            self._fitted_at[name] = time.perf_counter()
        waiting = any(
            (fit := self._fits.get(n)) is None or fit[:2] != (s.version, tag)
            for n, s in snapshot.runs.items()
        )
        now = time.monotonic()
        if not waiting or self._catching_up or now - self._published_at >= self.publish_every:
            self._shown = {n: f[2] for n, f in self._fits.items() if f[1] == tag}
            self._published_at = now
        self._catching_up = self._catching_up and waiting
        out: dict[str, RunSummary] = {}
        for name, summary in snapshot.runs.items():
            wanted = self._shown.get(name)
            previous = self._out.get(name)
            if previous is not None and previous[0] is summary and previous[1].forecast is wanted:
                out[name] = previous[1]
                continue
            shown = summary if summary.forecast is wanted else replace(summary, forecast=wanted)
            self._out[name] = (summary, shown)
            out[name] = shown
        for name in [n for n in self._fits if n not in snapshot.runs]:
            del self._fits[name]
            self._fitted_at.pop(name, None)
            self._shown.pop(name, None)
            self._out.pop(name, None)
        applied = replace(snapshot, runs=out)
        self._last = (snapshot, applied, tag, waiting)
        return applied
