"""Groups of runs as the views show them, built on the ingest thread with the snapshot.

A :class:`GroupSummary` carries what a group row needs: its members, how many run and
how many alert, each metric column's statistics (:class:`~tfwatch.analysis.group_stats.
MetricStats`) and a sparkline of the members' aligned mean. Its :attr:`GroupSummary.row`
is a :class:`~tfwatch.live.view_models.RunSummary` of the group as a whole (means for
values, the mean curve's convergence), so a group sorts with the runs' own orders.

The mean curve needs the members' series, so :class:`GroupBuilder` runs where the store
is readable (the ingest thread, under the store's lock) and keeps each group's curve
until one of its members changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tfwatch.analysis.convergence import convergence
from tfwatch.analysis.group_stats import Band, MetricStats, aligned_band
from tfwatch.analysis.grouping import GroupBy, GroupKey, group_key, key_label, short_labels
from tfwatch.live.view_models import SPARK_WIDTH, MetricSummary, RunSummary, Snapshot
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.runs import Run
from tfwatch.text.sparkline import sparkline

#: Prefix of a group's row key: no run name starts with it (names are paths).
GROUP_PREFIX = "\x1fgroup:"
#: States a member counts as running in (``1/5`` running).
LIVE_STATES = frozenset({"running"})


@dataclass(frozen=True)
class GroupMetric:
    """One metric column of a group."""

    stats: MetricStats
    #: The aligned mean drawn in :data:`~tfwatch.live.view_models.SPARK_WIDTH` characters.
    spark: str


@dataclass(frozen=True)
class GroupSummary:
    """One group of runs (see the module docstring)."""

    #: The row key (:data:`GROUP_PREFIX` + label): stable while the key is.
    id: str
    key: GroupKey
    label: str
    members: tuple[str, ...]
    running: int
    alerting: int
    #: Members per alert kind, the most common first.
    alert_counts: tuple[tuple[str, int], ...]
    metrics: Mapping[str, GroupMetric]
    #: The group as one run (for sorting and the shared cells).
    row: RunSummary

    @property
    def count(self) -> int:
        """Members in the group."""
        return len(self.members)


@dataclass(frozen=True)
class Grouping:
    """Every group of one pass, in first-seen order, with the grouping that made them."""

    spec: GroupBy
    groups: tuple[GroupSummary, ...]
    #: Per group id: its label without the pairs every group shares (what rows show).
    labels: Mapping[str, str] = field(default_factory=dict)

    def label_of(self, group: GroupSummary) -> str:
        """The group's short label (its whole label when it has none)."""
        return self.labels.get(group.id, group.label)

    def by_id(self) -> dict[str, GroupSummary]:
        """Groups by row key."""
        return {g.id: g for g in self.groups}


def is_group_row(key: str) -> bool:
    """Whether a row key is a group's (not a run's)."""
    return key.startswith(GROUP_PREFIX)


def group_id(key: GroupKey) -> str:
    """The row key of the group with ``key``."""
    return GROUP_PREFIX + key_label(key) + "\x1f" + repr(key)


def series_pairs(series: Mapping[str, SeriesArrays]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(steps, values)`` of each member's copy, for :func:`aligned_band`."""
    return [(s.steps, s.values) for s in series.values()]


@dataclass
class GroupBuilder:
    """Builds :class:`Grouping` objects, reusing a group's curves while its members and
    their data stay the same."""

    _curves: dict[tuple[str, tuple[tuple[str, int], ...]], tuple[str, MetricSummary]] = field(
        default_factory=dict
    )
    #: Per run: the summary its key was computed from, and the key (the snapshot builder
    #: keeps a run's summary object while the run does not change).
    _keys: dict[str, tuple[RunSummary, GroupKey]] = field(default_factory=dict)
    #: Per group key: the member summaries and metrics it was built from, and the group.
    _groups: dict[GroupKey, tuple[list[RunSummary], tuple[str, ...], GroupSummary]] = field(
        default_factory=dict
    )
    _spec: GroupBy | None = None

    def build(self, spec: GroupBy, snap: Snapshot, runs: Mapping[str, Run]) -> Grouping:
        """The groups of ``snap``'s runs (the caller holds the store's lock). A group
        whose members' summaries are the same objects as last time is reused whole."""
        if spec != self._spec:
            self._keys.clear()
            self._groups.clear()
            self._spec = spec
        summaries = snap.runs
        keyed: dict[GroupKey, list[RunSummary]] = {}
        for name in sorted(summaries):
            summary = summaries[name]
            known = self._keys.get(name)
            if known is None or known[0] is not summary:
                known = self._keys[name] = (summary, group_key(spec, name, summary.hparams))
            keyed.setdefault(known[1], []).append(summary)
        for gone in [n for n in self._keys if n not in summaries]:
            del self._keys[gone]
        used: set[tuple[str, tuple[tuple[str, int], ...]]] = set()
        groups = []
        for key, members in keyed.items():
            cached = self._groups.get(key)
            if (
                cached is not None
                and cached[1] == snap.metrics
                and len(cached[0]) == len(members)
                and all(a is b for a, b in zip(cached[0], members, strict=True))
            ):
                group = cached[2]
                used.update((t, tuple((m.name, m.version) for m in members)) for t in group.metrics)
            else:
                group = self._group(key, members, snap.metrics, runs, used)
                self._groups[key] = (members, snap.metrics, group)
            groups.append(group)
        for old_key in [k for k in self._groups if k not in keyed]:
            del self._groups[old_key]
        for stale in [k for k in self._curves if k not in used]:
            del self._curves[stale]
        short = short_labels(g.key for g in groups)
        return Grouping(spec, tuple(groups), {g.id: short[g.key] for g in groups})

    def _group(
        self,
        key: GroupKey,
        members: list[RunSummary],
        metrics: tuple[str, ...],
        runs: Mapping[str, Run],
        used: set[tuple[str, tuple[tuple[str, int], ...]]],
    ) -> GroupSummary:
        versions = tuple((m.name, m.version) for m in members)
        out: dict[str, GroupMetric] = {}
        row_metrics: dict[str, MetricSummary] = {}
        for tag in metrics:
            have = [m.metrics[tag] for m in members if tag in m.metrics]
            if not have:
                continue
            stats = MetricStats.of([h.last_value for h in have], [h.best_value for h in have])
            cache_key = (tag, versions)
            used.add(cache_key)
            cached = self._curves.get(cache_key)
            if cached is None:
                cached = self._curves[cache_key] = _curve(tag, have, members, runs)
            spark, base = cached
            out[tag] = GroupMetric(stats, spark)
            row_metrics[tag] = MetricSummary(
                tag=tag, higher_is_better=base.higher_is_better, count=base.count,
                last_value=stats.last_mean, last_step=base.last_step,
                best_value=stats.best_mean, best_step=base.best_step,
                nan_count=sum(h.nan_count for h in have),
                inf_count=sum(h.inf_count for h in have),
                spark=spark, convergence=base.convergence,
            )  # fmt: skip
        kinds: Counter[str] = Counter(k for m in members for k in set(m.alerts))
        running = sum(1 for m in members if m.state in LIVE_STATES)
        label = key_label(key)
        gid = group_id(key)
        row = RunSummary(
            name=gid,
            root="",
            path="",
            state=_group_state(members),
            last_step=max(m.last_step for m in members),
            steps_per_second=_mean_finite([m.steps_per_second for m in members]),
            activity=max(m.activity for m in members),
            hparams=dict(key_hparams(key)),
            tags=tuple(sorted({t for m in members for t in m.tags})),
            metrics=row_metrics,
            alerts=tuple(k for k, _ in kinds.most_common()),
            damage=sum(m.damage for m in members),
            files=sum(m.files for m in members),
            events=sum(m.events for m in members),
            version=hash(versions),
        )
        return GroupSummary(
            id=gid,
            key=key,
            label=label,
            members=tuple(m.name for m in members),
            running=running,
            alerting=sum(1 for m in members if m.alerts),
            alert_counts=tuple(kinds.most_common()),
            metrics=out,
            row=row,
        )


def key_hparams(key: GroupKey) -> dict[str, str | float | bool]:
    """The group key as hparams (what the filter and the hparams view read)."""
    return {k: v for k, v in key if v is not None}


def member_band(tag: str, members: list[str], runs: Mapping[str, Run]) -> Band:
    """The aligned band of ``tag`` over the named runs' recent points (store lock held)."""
    pairs = []
    for name in members:
        run = runs.get(name)
        series = run.scalars.get(tag) if run is not None else None
        if series is not None and series.count:
            recent = series.recent()
            pairs.append((recent.steps, recent.values))
    return aligned_band(pairs)


def _curve(
    tag: str, have: list[MetricSummary], members: list[RunSummary], runs: Mapping[str, Run]
) -> tuple[str, MetricSummary]:
    """The sparkline of the mean curve, and a summary holding its convergence."""
    band = member_band(tag, [m.name for m in members], runs)
    higher = have[0].higher_is_better
    spark = sparkline(band.mean, SPARK_WIDTH) if len(band) else " " * SPARK_WIDTH
    conv = convergence(SeriesArrays(band.steps, band.mean, np.zeros(len(band))), higher)
    base = MetricSummary(
        tag=tag, higher_is_better=higher, count=len(band),
        last_value=math.nan, last_step=int(band.steps[-1]) if len(band) else 0,
        best_value=math.nan, best_step=conv.best_step, nan_count=0, inf_count=0,
        spark=spark, convergence=conv,
    )  # fmt: skip
    return spark, base


def _group_state(members: list[RunSummary]) -> str:
    """Running while any member runs, else the state most members share."""
    states = Counter(m.state for m in members)
    if states.get("running"):
        return "running"
    return states.most_common(1)[0][0]


def _mean_finite(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan
