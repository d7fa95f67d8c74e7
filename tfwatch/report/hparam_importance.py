"""How strongly each hparam relates to a metric across runs, and the best configuration.

Numeric (and boolean) hparams get Spearman's rank correlation with the metric's final
value: it needs no assumption about the shape of the relation (learning rates act on a log
scale) and is robust to one outlier run. The sample size is always reported with it,
because five runs give a coefficient that means little. Text hparams (optimizer names)
have no order, so for them the level with the best mean is reported instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

HparamValue = str | float | bool

#: Fewer runs than this and no coefficient is given (two points always correlate ±1).
MIN_SAMPLES = 3


@dataclass(frozen=True)
class HparamEffect:
    """The relation between one hparam and the metric."""

    name: str
    #: Runs that have both this hparam and a finite metric value.
    n: int
    #: Spearman's rho between the hparam and the metric (None: text hparam or n too small).
    rho: float | None
    #: For text hparams: the level with the best mean metric, its mean and its run count.
    best_level: str | None = None
    best_level_mean: float = math.nan
    best_level_n: int = 0

    @property
    def strength(self) -> str:
        """``strong``, ``moderate``, ``weak`` (|rho| ≥ 0.7, ≥ 0.4, below) or ``-``."""
        if self.rho is None or math.isnan(self.rho):
            return "-"
        r = abs(self.rho)
        return "strong" if r >= 0.7 else "moderate" if r >= 0.4 else "weak"


@dataclass(frozen=True)
class Importance:
    """Every varying hparam's effect on one metric, strongest first, and the best run."""

    tag: str
    higher_is_better: bool
    effects: tuple[HparamEffect, ...]
    best_run: str | None
    best_value: float
    best_config: dict[str, HparamValue] = field(default_factory=dict)


def rank(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """1-based ranks with ties given their average rank."""
    a = np.asarray(x, dtype=np.float64)
    order = np.argsort(a, kind="stable")
    sorted_a = a[order]
    ranks = np.empty(a.shape[0], dtype=np.float64)
    start = 0
    while start < a.shape[0]:
        end = start
        while end + 1 < a.shape[0] and sorted_a[end + 1] == sorted_a[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def spearman(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Spearman's rank correlation (NaN when either side is constant)."""
    rx, ry = rank(x), rank(y)
    rx -= rx.mean()
    ry -= ry.mean()
    den = math.sqrt(float(np.dot(rx, rx)) * float(np.dot(ry, ry)))
    return float(np.dot(rx, ry) / den) if den > 0 else math.nan


def _numeric(v: HparamValue) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    return None


def hparam_importance(
    tag: str,
    higher_is_better: bool,
    hparams: Mapping[str, Mapping[str, HparamValue]],
    scores: Mapping[str, float],
) -> Importance:
    """Effects of the hparams that vary across runs on ``scores`` (run → final value)."""
    sign = 1.0 if higher_is_better else -1.0
    scored = {r: s for r, s in scores.items() if math.isfinite(s)}
    best_run = max(scored, key=lambda r: (sign * scored[r], r), default=None)
    names = sorted({k for r in scored for k in hparams.get(r, {})})
    effects: list[HparamEffect] = []
    for name in names:
        pairs = [(hparams[r][name], scored[r]) for r in scored if name in hparams.get(r, {})]
        if len({repr(v) for v, _ in pairs}) < 2:
            continue  # does not vary: says nothing about the metric
        nums = [_numeric(v) for v, _ in pairs]
        if all(n is not None for n in nums):
            xs = [float(n) for n in nums if n is not None]
            ys = [s for _, s in pairs]
            rho = spearman(xs, ys) if len(xs) >= MIN_SAMPLES else None
            effects.append(HparamEffect(name, len(xs), rho))
        else:
            effects.append(_categorical(name, pairs, sign))
    effects.sort(key=_effect_order)
    best_config = dict(hparams.get(best_run, {})) if best_run is not None else {}
    best_value = scored[best_run] if best_run is not None else math.nan
    return Importance(tag, higher_is_better, tuple(effects), best_run, best_value, best_config)


def _effect_order(e: HparamEffect) -> tuple[int, float, str]:
    """Coefficients first, strongest first; then the text hparams, by name."""
    if e.rho is None or math.isnan(e.rho):
        return (1, 0.0, e.name)
    return (0, -abs(e.rho), e.name)


def _categorical(name: str, pairs: list[tuple[HparamValue, float]], sign: float) -> HparamEffect:
    levels: dict[str, list[float]] = {}
    for v, s in pairs:
        levels.setdefault(str(v), []).append(s)
    level = max(levels, key=lambda k: (sign * float(np.mean(levels[k])), k))
    return HparamEffect(
        name, len(pairs), None, level, float(np.mean(levels[level])), len(levels[level])
    )
