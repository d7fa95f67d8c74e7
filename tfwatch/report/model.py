"""The comparison a report shows, as plain data: built once, rendered by every format.

Values are the raw points as written ("final" is the last point, "best" the best point);
anything that compares curves (steps to reach the baseline, the charts, who got there
first) uses TensorBoard's smoothing so that one noisy point decides nothing.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from tfwatch.analysis import Alert, HealthConfig, higher_is_better, run_health, smooth
from tfwatch.analysis.protocols import PointArrays
from tfwatch.model.damage import Damage
from tfwatch.report.hparam_importance import HparamValue, Importance, hparam_importance
from tfwatch.report.milestones import Race, first_reach, race
from tfwatch.store.runs import Run
from tfwatch.text.sparkline import sparkline

#: Characters of the sparkline in each table cell.
SPARK_WIDTH = 16
#: Points kept per chart line (the charts are small; the table holds the exact numbers).
CHART_POINTS = 200


@dataclass(frozen=True)
class MetricCell:
    """One run's numbers for one metric."""

    final: float
    final_step: int
    best: float
    best_step: int
    points: int
    sparkline: str
    #: final − the baseline's final, and that as a fraction of |baseline final|.
    delta: float | None = None
    delta_ratio: float | None = None
    #: Whether the change goes the good way (None: no change, or no baseline).
    better: bool | None = None
    #: First step where the smoothed curve reached the baseline's final smoothed value.
    steps_to_baseline: int | None = None


@dataclass(frozen=True)
class ChartLine:
    """One run's smoothed curve, thinned for a chart (NaN where the raw point was not finite)."""

    run: str
    steps: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class MetricSummary:
    """One metric across the runs."""

    tag: str
    higher_is_better: bool
    #: run name → cell, for the runs that log this metric.
    cells: dict[str, MetricCell]
    lines: tuple[ChartLine, ...]
    #: Run with the best final value (None when no run has a finite one).
    best_run: str | None
    #: The baseline's final smoothed value: what "steps to baseline" aims at.
    baseline_target: float | None


@dataclass(frozen=True)
class RunInfo:
    """What the report says about one run besides its metrics."""

    name: str
    path: str
    last_step: int
    hparams: dict[str, HparamValue]
    #: Regions of its event files that could not be read (listed, never hidden).
    damage: tuple[Damage, ...] = ()
    #: The metrics add_hparams wrote with the hparams (``hparam/accuracy``): final values.
    final_metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """Everything one report shows."""

    runs: tuple[RunInfo, ...]
    baseline: str | None
    metrics: tuple[MetricSummary, ...]
    #: Hparams whose values differ between runs (missing in some counts as differing).
    differing_hparams: tuple[str, ...]
    alerts: tuple[Alert, ...]
    importance: Importance | None
    race: Race | None
    smoothing: float
    generated_at: float

    @property
    def final_metric_names(self) -> tuple[str, ...]:
        """Names of the final metrics (add_hparams') any run has, sorted."""
        return tuple(sorted({k for r in self.runs for k in r.final_metrics}))

    def metric(self, tag: str) -> MetricSummary:
        """The summary of ``tag`` (KeyError when the report does not cover it)."""
        for m in self.metrics:
            if m.tag == tag:
                return m
        raise KeyError(tag)


def build_comparison(
    runs: Sequence[Run],
    tags: Sequence[str],
    baseline: str | None = None,
    config: HealthConfig | None = None,
    target: tuple[str, float] | None = None,
    now: float | None = None,
) -> Comparison:
    """Compare ``runs`` on ``tags``; ``baseline`` names one of them; ``target`` is the
    (tag, value) of the who-got-there-first race (default: the first metric, at the
    baseline's final value, or else the median of the runs' best smoothed values)."""
    cfg = config or HealthConfig()
    now = time.time() if now is None else now
    ordered = sorted(runs, key=lambda r: r.name)
    by_name = {r.name: r for r in ordered}
    if baseline is not None and baseline not in by_name:
        raise ValueError(f"baseline {baseline!r} is not among the runs")
    metrics = tuple(_metric(tag, ordered, by_name.get(baseline or ""), cfg) for tag in tags)
    infos = tuple(
        RunInfo(
            r.name, r.path, r.last_step, dict(r.hparams), tuple(r.damage), dict(r.final_metrics)
        )
        for r in ordered
    )
    alerts = tuple(a for r in ordered for a in run_health(r, cfg, now))
    importance = None
    if metrics:
        first = metrics[0]
        scores = {r: c.final for r, c in first.cells.items()}
        hp = {r.name: r.hparams for r in ordered}
        importance = hparam_importance(first.tag, first.higher_is_better, hp, scores)
    return Comparison(
        runs=infos,
        baseline=baseline,
        metrics=metrics,
        differing_hparams=differing_hparams(infos),
        alerts=alerts,
        importance=importance,
        race=_race(ordered, metrics, target, cfg),
        smoothing=cfg.smoothing,
        generated_at=now,
    )


def differing_hparams(runs: Sequence[RunInfo]) -> tuple[str, ...]:
    """Names of the hparams that do not hold the same value in every run."""
    names = sorted({k for r in runs for k in r.hparams})
    missing = object()
    return tuple(n for n in names if len({repr(r.hparams.get(n, missing)) for r in runs}) > 1)


def _metric(tag: str, runs: Sequence[Run], base: Run | None, cfg: HealthConfig) -> MetricSummary:
    hib = higher_is_better(tag, cfg.maximize, cfg.minimize)
    sign = 1.0 if hib else -1.0
    base_series = base.scalars.get(tag) if base is not None else None
    target = None
    if base_series is not None:
        smoothed = smooth(base_series.recent().values, cfg.smoothing)
        finite = smoothed[np.isfinite(smoothed)]
        target = float(finite[-1]) if finite.shape[0] else None
    cells: dict[str, MetricCell] = {}
    lines: list[ChartLine] = []
    for run in runs:
        s = run.scalars.get(tag)
        if s is None or s.count == 0:
            continue
        pts = s.recent()
        best, best_step = s.best(hib)
        cell = MetricCell(
            final=s.last_value,
            final_step=s.last_step,
            best=best,
            best_step=best_step,
            points=s.count,
            sparkline=sparkline(pts.values, SPARK_WIDTH),
        )
        if base_series is not None and run is not base:
            cell = _with_delta(cell, base_series.last_value, sign)
        if target is not None:
            hit = first_reach(pts, target, hib, cfg.smoothing)
            cell = replace(cell, steps_to_baseline=None if hit is None else hit[0])
        cells[run.name] = cell
        lines.append(_chart_line(run.name, pts.steps, pts.values, cfg.smoothing))
    finals = {r: c.final for r, c in cells.items() if math.isfinite(c.final)}
    best_run = max(finals, key=lambda r: (sign * finals[r], r), default=None)
    return MetricSummary(tag, hib, cells, tuple(lines), best_run, target)


def _with_delta(cell: MetricCell, base_final: float, sign: float) -> MetricCell:
    if not (math.isfinite(cell.final) and math.isfinite(base_final)):
        return cell
    delta = cell.final - base_final
    ratio = delta / abs(base_final) if base_final != 0 else None
    better = None if delta == 0 else sign * delta > 0
    return replace(cell, delta=delta, delta_ratio=ratio, better=better)


def _chart_line(run: str, steps: np.ndarray, values: np.ndarray, weight: float) -> ChartLine:
    smoothed = smooth(values, weight)
    smoothed[~np.isfinite(values)] = math.nan
    n = steps.shape[0]
    if n > CHART_POINTS:
        idx = np.unique(np.linspace(0, n - 1, CHART_POINTS).round().astype(np.int64))
        steps, smoothed = steps[idx], smoothed[idx]
    return ChartLine(run, tuple(int(s) for s in steps), tuple(float(v) for v in smoothed))


def _race(
    runs: Sequence[Run],
    metrics: Sequence[MetricSummary],
    target: tuple[str, float] | None,
    cfg: HealthConfig,
) -> Race | None:
    if target is None and not metrics:
        return None
    tag = target[0] if target is not None else metrics[0].tag
    hib = higher_is_better(tag, cfg.maximize, cfg.minimize)
    curves: dict[str, PointArrays] = {
        r.name: r.scalars[tag].recent() for r in runs if tag in r.scalars
    }
    if target is not None:
        value, origin = target[1], "the value asked for"
    elif metrics[0].baseline_target is not None:
        value, origin = metrics[0].baseline_target, "the baseline's final smoothed value"
    else:
        bests = [_best_smoothed(p.values, hib, cfg.smoothing) for p in curves.values()]
        finite = [b for b in bests if math.isfinite(b)]
        if not finite:
            return None
        value = statistics.median(finite)
        origin = "the median of the runs' best smoothed values"
    return race(tag, value, hib, curves, cfg.smoothing, origin)


def _best_smoothed(values: np.ndarray, hib: bool, weight: float) -> float:
    smoothed = smooth(values, weight)
    finite = smoothed[np.isfinite(smoothed)]
    if not finite.shape[0]:
        return math.nan
    return float(finite.max() if hib else finite.min())
