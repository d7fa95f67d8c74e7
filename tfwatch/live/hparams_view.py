"""What the hparams view shows: runs (or groups) × the hparams that differ × metrics.

Pure data built from a :class:`~tfwatch.live.view_models.Snapshot` (and its groups), on
whichever thread asks: the UI builds one per tick from objects it already holds, in
time proportional to the rows. Hparams that are the same in every row are folded into
:attr:`HparamsTable.constant`; a row without an hparam shows nothing there.

The importance line is the report's (:func:`~tfwatch.report.hparam_importance.
hparam_importance`): Spearman's rho of each numeric hparam with the first metric's last
value over the runs (always runs, even when rows are groups: a group's mean hides its
spread), with the number of runs it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tfwatch.analysis.direction import higher_is_better
from tfwatch.analysis.grouping import SEED_KEYS, is_seed_key
from tfwatch.live.group_view import GroupSummary
from tfwatch.live.view_models import RunSummary
from tfwatch.report.hparam_importance import HparamValue, Importance, hparam_importance

#: Where a metric's value falls among the rows: quality bands for colouring.
BEST, GOOD, MIDDLE, POOR = "best", "good", "middle", "poor"


@dataclass(frozen=True)
class HparamsRow:
    """One run or group."""

    #: The run's name, or the group's id (its row key in the runs table).
    key: str
    label: str
    hparams: Mapping[str, HparamValue]
    #: Each metric's last value (a group: the members' mean).
    values: Mapping[str, float]
    #: Members (1 for a run).
    count: int = 1


@dataclass(frozen=True)
class HparamsTable:
    """The rows, the hparams that differ between them, the constant ones, the metrics."""

    rows: tuple[HparamsRow, ...]
    varying: tuple[str, ...]
    constant: Mapping[str, HparamValue]
    metrics: tuple[str, ...]
    #: Per metric: whether higher is better.
    higher: Mapping[str, bool]
    #: The first metric's importance over the runs (None without a metric).
    importance: Importance | None
    #: Key of the row with the best first-metric value (None: no finite value).
    best: str | None

    def quality(self, row: HparamsRow, tag: str) -> str | None:
        """``best``/``good``/``middle``/``poor``: where ``row``'s value of ``tag`` ranks
        among the rows' finite values (None: missing or not finite)."""
        value = row.values.get(tag, math.nan)
        if not math.isfinite(value):
            return None
        sign = 1.0 if self.higher.get(tag, False) else -1.0
        ranked = sorted(
            (sign * v for r in self.rows if math.isfinite(v := r.values.get(tag, math.nan))),
            reverse=True,
        )
        place = ranked.index(sign * value)
        if place == 0:
            return BEST
        share = place / max(1, len(ranked) - 1)
        return GOOD if share < 1 / 3 else MIDDLE if share < 2 / 3 else POOR


def _same(values: list[HparamValue]) -> bool:
    return len({repr(v) for v in values}) <= 1


def _last_values(run: RunSummary, metrics: Sequence[str]) -> dict[str, float]:
    """Each metric column's last value, then the run's ``add_hparams`` metrics."""
    out = {t: run.metrics[t].last_value for t in metrics if t in run.metrics}
    out.update((t, v) for t, v in run.final_metrics.items() if t in metrics)
    return out


def _final_means(members: list[RunSummary], tags: Sequence[str]) -> dict[str, float]:
    """The mean of each ``add_hparams`` metric over the members with a finite one."""
    out = {}
    for tag in tags:
        values = [v for m in members if math.isfinite(v := m.final_metrics.get(tag, math.nan))]
        if values:
            out[tag] = sum(values) / len(values)
    return out


def final_metric_tags(runs: Iterable[RunSummary]) -> tuple[str, ...]:
    """The ``add_hparams`` metrics any run has (``hparam/accuracy``), sorted."""
    return tuple(sorted({t for r in runs for t in r.final_metrics}))


def hparams_table(
    runs: Iterable[RunSummary],
    metrics: Sequence[str],
    groups: Sequence[GroupSummary] | None = None,
    seed_keys: Sequence[str] = SEED_KEYS,
) -> HparamsTable:
    """The table of ``runs`` (rows: ``groups`` when given, their keys as hparams). Seed-
    like hparams (``seed_keys``) are shown but left out of the importance: a seed's
    correlation with the metric is chance."""
    run_list = list(runs)
    finals = final_metric_tags(run_list)
    tags = (*metrics, *(t for t in finals if t not in metrics))
    if groups is not None:
        by_name = {r.name: r for r in run_list}
        rows = tuple(
            HparamsRow(
                g.id, g.label, dict(g.row.hparams),
                {**{t: m.stats.last_mean for t, m in g.metrics.items() if t in tags},
                 **_final_means([by_name[n] for n in g.members if n in by_name], finals)},
                g.count,
            )
            for g in groups
        )  # fmt: skip
    else:
        rows = tuple(
            HparamsRow(r.name, r.name, dict(r.hparams), _last_values(r, tags)) for r in run_list
        )
    names = sorted({k for r in rows for k in r.hparams})
    varying, constant = [], {}
    for name in names:
        values = [r.hparams[name] for r in rows if name in r.hparams]
        if len(values) == len(rows) and _same(values):
            constant[name] = values[0]
        else:
            varying.append(name)
    higher = {}
    for t in tags:
        found = next((r.metrics[t] for r in run_list if t in r.metrics), None)
        higher[t] = found.higher_is_better if found is not None else higher_is_better(t)
    importance = None
    best = None
    if tags:
        first = tags[0]
        importance = hparam_importance(
            first,
            higher[first],
            {
                r.name: {k: v for k, v in r.hparams.items() if not is_seed_key(k, seed_keys)}
                for r in run_list
            },
            {r.name: r.metrics[first].last_value for r in run_list if first in r.metrics},
        )
        sign = 1.0 if higher[first] else -1.0
        scored = [(sign * r.values[first], r.key) for r in rows if first in r.values]
        finite = [s for s in scored if math.isfinite(s[0])]
        best = max(finite)[1] if finite else None
    return HparamsTable(rows, tuple(varying), constant, tags, higher, importance, best)


def sort_rows(table: HparamsTable, column: str | None, reverse: bool = False) -> list[HparamsRow]:
    """Rows sorted by ``column`` (an hparam or a metric; None: the first metric, best
    first); numbers before text, missing values last whatever the direction."""
    if column is None:
        if not table.metrics:
            return sorted(table.rows, key=lambda r: r.label)
        column = table.metrics[0]
        reverse = reverse != table.higher.get(column, False)
    if column == "name":
        return sorted(table.rows, key=lambda r: r.label, reverse=reverse)
    present: list[tuple[tuple[int, float, str], HparamsRow]] = []
    missing: list[HparamsRow] = []
    for row in table.rows:
        value: HparamValue | None
        value = row.values.get(column) if column in table.metrics else row.hparams.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing.append(row)
        elif isinstance(value, bool | int | float):
            present.append(((0, float(value), ""), row))
        else:
            present.append(((1, 0.0, str(value)), row))
    present.sort(key=lambda p: (p[0], p[1].label), reverse=reverse)
    return [r for _, r in present] + sorted(missing, key=lambda r: r.label)
