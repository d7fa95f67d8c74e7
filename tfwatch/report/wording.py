"""The words and numbers every report format shows, before format-specific escaping."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tfwatch.model.alert_kinds import alert_severity
from tfwatch.report.hparam_importance import HparamEffect, HparamValue, Importance
from tfwatch.report.model import Comparison, MetricCell, MetricSummary
from tfwatch.text.numbers import format_count, format_value

#: Colour-free markers: the report reads the same printed, in a terminal or to a screen reader.
BETTER, WORSE, SAME = "✓ better", "✗ worse", "= same"


def direction(metric: MetricSummary) -> str:
    """``higher is better`` / ``lower is better``."""
    return "higher is better" if metric.higher_is_better else "lower is better"


def delta_text(cell: MetricCell) -> str:
    """``↓ -0.0521 (-12.3%) ✓ better``; empty without a comparison."""
    if cell.delta is None:
        return ""
    arrow = "↑" if cell.delta > 0 else "↓" if cell.delta < 0 else "→"
    pct = f" ({cell.delta_ratio * 100:+.1f}%)" if cell.delta_ratio is not None else ""
    verdict = SAME if cell.better is None else BETTER if cell.better else WORSE
    sign = "+" if cell.delta > 0 else ""
    return f"{arrow} {sign}{format_value(cell.delta)}{pct} {verdict}"


def steps_text(cell: MetricCell, metric: MetricSummary) -> str:
    """Step at which the run reached the baseline's final value, or ``not reached``."""
    if metric.baseline_target is None:
        return ""
    if cell.steps_to_baseline is None:
        return "not reached"
    return format_count(cell.steps_to_baseline)


@dataclass(frozen=True)
class MetricRow:
    """One run's row of a metric's table, as plain text (each format escapes it)."""

    run: str
    cell: MetricCell
    numbers: tuple[str, str, str]  # final, best, best at step
    #: The baseline columns' texts (delta, steps to the baseline's final); None without.
    versus: tuple[str, str] | None
    is_baseline: bool


def metric_table(report: Comparison, metric: MetricSummary) -> tuple[list[str], list[MetricRow]]:
    """Header and rows of a metric's table: every run that logged the metric."""
    header = ["Run", "Trend", "Final", "Best", "Best at step"]
    with_base = report.baseline is not None and metric.baseline_target is not None
    if with_base:
        header += ["Δ vs baseline", "Steps to baseline final"]
    rows = []
    for run in report.runs:
        cell = metric.cells.get(run.name)
        if cell is None:
            continue
        best_at = format_count(cell.best_step) if cell.best_step >= 0 else "-"
        numbers = (format_value(cell.final), format_value(cell.best), best_at)
        versus = (delta_text(cell), steps_text(cell, metric)) if with_base else None
        rows.append(MetricRow(run.name, cell, numbers, versus, run.name == report.baseline))
    return header, rows


def hparam_value(value: HparamValue | None) -> str:
    """An hparam as written (``-`` when the run does not set it)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def summary_line(report: Comparison) -> str:
    """``6 runs, baseline X. Best final: loss → run (0.12); acc → run (0.91).``"""
    n = len(report.runs)
    parts = [f"{n} run{'s' if n != 1 else ''}"]
    if report.baseline is not None:
        parts.append(f"baseline {report.baseline}")
    head = ", ".join(parts) + "."
    bests = [
        f"{m.tag} → {m.best_run} ({format_value(m.cells[m.best_run].final)})"
        for m in report.metrics
        if m.best_run is not None
    ]
    info = sum(alert_severity(a.kind) == "info" for a in report.alerts)
    alerts = len(report.alerts) - info
    tail = f" {alerts} health alert{'s' if alerts != 1 else ''}." if alerts else " No alerts."
    if info:
        tail += f" {info} metric{'s' if info != 1 else ''} converged (information)."
    return head + (" Best final: " + "; ".join(bests) + "." if bests else "") + tail


def effect_reading(effect: HparamEffect, importance: Importance) -> str:
    """What the coefficient says in words: ``higher lr → better val/acc (strong)``."""
    if effect.best_level is not None:
        mean = format_value(effect.best_level_mean)
        return f"best level {effect.best_level} (mean {mean}, n={effect.best_level_n})"
    if effect.rho is None:
        return f"too few runs (n={effect.n}, needs 3)"
    if math.isnan(effect.rho) or effect.rho == 0:
        return "no monotonic relation"
    good = (effect.rho > 0) == importance.higher_is_better
    return f"higher {effect.name} → {'better' if good else 'worse'} {importance.tag}"


def rho_text(effect: HparamEffect) -> str:
    """ρ with two decimals, or ``-``."""
    if effect.rho is None or math.isnan(effect.rho):
        return "-"
    return f"{effect.rho:+.2f}"


def kind_label(kind: str) -> str:
    """An alert kind as the reports show it: information is marked (``converged (info)``)."""
    return f"{kind} (info)" if alert_severity(kind) == "info" else kind
