"""Sort orders of the runs table: by column value or by how a metric is converging.

Every order puts its "most interesting" run first (best value, fastest improving, most
steps since the best…); missing values (NaN, a run without the metric) always go last,
whatever the direction, and ties keep name order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tfwatch.live.view_models import MetricSummary, RunSummary
from tfwatch.model.run_states import ENDED_STATES


@dataclass(frozen=True)
class SortMode:
    """One entry of the ``s`` cycle."""

    key: str
    label: str
    #: Whether the order reads the primary metric.
    uses_metric: bool


SORT_MODES: tuple[SortMode, ...] = (
    SortMode("name", "name", False),
    SortMode("value", "value", True),
    SortMode("best", "best", True),
    SortMode("trend", "trend", True),
    SortMode("slope", "convergence speed", True),
    SortMode("since_best", "steps since best", True),
    SortMode("plateau", "plateau", True),
    SortMode("forecast", "forecast", True),
    SortMode("eta", "steps to target", False),
    SortMode("step", "step", False),
    SortMode("age", "last update", False),
    SortMode("speed", "steps/s", False),
)
MODES_BY_KEY = {m.key: m for m in SORT_MODES}


def _signed(m: MetricSummary, value: float) -> float:
    """``value`` turned so that smaller is better (negated for higher-is-better)."""
    return -value if m.higher_is_better else value


def _metric_key(mode: str, m: MetricSummary) -> float:
    c = m.convergence
    if mode == "value":
        return _signed(m, m.last_value)
    if mode == "best":
        return _signed(m, m.best_value)
    if mode == "trend":
        sign = 1.0 if m.higher_is_better else -1.0
        return -sign * c.trend  # improving most first
    if mode == "slope":
        return -c.slope  # slope is already positive when improving
    if mode == "since_best":
        return -float(c.steps_since_best) if c.steps_since_best is not None else math.nan
    if mode == "plateau":
        return -c.plateau  # flattest first
    raise ValueError(mode)


#: Sort position of a run whose target is never reached (after every finite ETA).
NEVER = 1e30


def _eta_key(run: RunSummary) -> float:
    """Steps to the first ``--target`` (soonest first); NaN when unknown."""
    fc = run.forecast
    if fc is None or not fc.targets or not fc.targets[0].known:
        return math.nan
    steps = fc.targets[0].steps
    if run.state in ENDED_STATES and steps != 0:
        return math.nan  # shown as "-": an ended run takes no more steps
    return NEVER if steps is None else float(steps)


def numeric_key(run: RunSummary, mode: str, metric: str | None) -> float:
    """The number ``run`` sorts by in ``mode`` (ascending = first); NaN when missing."""
    if mode == "step":
        return -float(run.last_step)
    if mode == "age":
        return -run.activity
    if mode == "speed":
        return -run.steps_per_second
    if mode == "eta":
        return _eta_key(run)
    m = run.metrics.get(metric) if metric else None
    if m is None:
        return math.nan
    if mode == "forecast":
        fc = run.forecast
        return _signed(m, fc.value) if fc is not None and fc.known else math.nan
    return _metric_key(mode, m)


SortKey = tuple[int, float, str]


def key_function(
    mode: str, metric: str | None, reverse: bool = False
) -> Callable[[RunSummary], SortKey]:
    """Where a run goes in ``mode`` order, as a function giving a key that sorts
    ascending: missing values after every present one, ties by name (in ``name`` mode,
    sort the keys in reverse for ``reverse``: a name cannot be negated). One call per
    run: at 10,000 runs the nested calls of :func:`numeric_key` cost more than the sort."""
    if mode == "name":
        return _by_name
    number = number_function(mode, metric)
    sign = -1.0 if reverse else 1.0

    def key(run: RunSummary) -> SortKey:
        k = number(run)
        if k != k:  # NaN: missing, last whatever the direction
            return (1, 0.0, run.name)
        return (0, sign * k, run.name)

    return key


def _by_name(run: RunSummary) -> SortKey:
    return (0, 0.0, run.name)


def number_function(mode: str, metric: str | None) -> Callable[[RunSummary], float]:
    """:func:`numeric_key` for one mode (not ``name``): one call per run, the metric's
    summary looked up once."""
    if mode in ("step", "age", "speed", "eta"):
        return lambda run: numeric_key(run, mode, metric)
    if not metric:
        return lambda run: math.nan
    if mode == "forecast":

        def forecast(run: RunSummary) -> float:
            m, fc = run.metrics.get(metric), run.forecast
            if m is None or fc is None or not fc.known:
                return math.nan
            return -fc.value if m.higher_is_better else fc.value

        return forecast
    if mode in ("value", "best"):
        field = "last_value" if mode == "value" else "best_value"

        def value(run: RunSummary) -> float:
            m = run.metrics.get(metric)
            if m is None:
                return math.nan
            v: float = getattr(m, field)
            return -v if m.higher_is_better else v

        return value
    if mode not in ("trend", "slope", "since_best", "plateau"):
        raise ValueError(mode)

    def other(run: RunSummary) -> float:
        m = run.metrics.get(metric)
        return math.nan if m is None else _metric_key(mode, m)

    return other


def sort_runs(
    runs: Iterable[RunSummary], mode: str, metric: str | None, reverse: bool = False
) -> list[str]:
    """Run names in display order for ``mode`` (``reverse`` flips all but missing values)."""
    key = key_function(mode, metric, reverse)
    keys = sorted(map(key, runs), reverse=reverse and mode == "name")
    return [name for _, _, name in keys]
