"""Which curves a chart draws, in which colour, and a common step grid for them."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tfwatch.report.model import ChartLine, MetricSummary
from tfwatch.text.numbers import format_count, format_value

#: Okabe–Ito colours: told apart by people with any common colour-vision deficiency.
PALETTE: tuple[tuple[str, str], ...] = (
    ("blue", "#0072B2"),
    ("orange", "#E69F00"),
    ("green", "#009E73"),
    ("red", "#D55E00"),
    ("pink", "#CC79A7"),
    ("sky blue", "#56B4E9"),
    ("yellow", "#F0E442"),
    ("black", "#000000"),
)


def charted(metric: MetricSummary, baseline: str | None) -> tuple[list[ChartLine], int]:
    """The lines to draw (baseline first, then the best finals; at most one per colour)
    and how many runs were left out."""
    sign = 1.0 if metric.higher_is_better else -1.0

    def order(line: ChartLine) -> tuple[int, float, str]:
        final = metric.cells[line.run].final
        score = -sign * final if math.isfinite(final) else math.inf
        return (0 if line.run == baseline else 1, score, line.run)

    lines = sorted(metric.lines, key=order)
    return lines[: len(PALETTE)], max(0, len(lines) - len(PALETTE))


def on_grid(
    lines: Sequence[ChartLine], points: int
) -> tuple[np.ndarray, list[np.ndarray], list[bool]]:
    """Every line interpolated at ``points`` evenly spaced steps over their common range.

    Mermaid's line charts need one value per x for every line, so a line that ended early
    (or turned non-finite) holds its last finite value; the third result says which
    lines were extended that way.
    """
    starts = [min(line.steps) for line in lines if line.steps]
    ends = [max(line.steps) for line in lines if line.steps]
    lo, hi = (min(starts), max(ends)) if starts else (0, 0)
    grid = np.linspace(lo, hi, points) if hi > lo else np.full(1, float(lo))
    values: list[np.ndarray] = []
    held: list[bool] = []
    for line in lines:
        s = np.asarray(line.steps, dtype=np.float64)
        v = np.asarray(line.values, dtype=np.float64)
        ok = np.isfinite(v)
        if not ok.any():
            values.append(np.full(grid.shape[0], math.nan))
            held.append(False)
            continue
        s, v = s[ok], v[ok]
        values.append(np.interp(grid, s, v))
        held.append(bool(s[-1] < hi))
    return grid, values, held


def value_range(values: Sequence[np.ndarray]) -> tuple[float, float, bool]:
    """A y range that shows the bulk of the curves: (low, high, clipped).

    One diverging run would otherwise squash every other curve into a flat line, so the
    range stops one inter-decile span beyond the 10th and 90th percentiles.
    """
    finite = [v[np.isfinite(v)] for v in values]
    allv = np.concatenate(finite) if finite else np.empty(0)
    if allv.shape[0] == 0:
        return 0.0, 1.0, False
    lo, hi = float(allv.min()), float(allv.max())
    p_lo, p_hi = (float(x) for x in np.percentile(allv, [10, 90]))
    span = p_hi - p_lo
    clipped = False
    if span > 0 and (hi > p_hi + span or lo < p_lo - span):
        lo, hi, clipped = max(lo, p_lo - span), min(hi, p_hi + span), True
    pad = (hi - lo) * 0.05 if hi > lo else (abs(hi) * 0.05 or 1.0)
    return lo - pad, hi + pad, clipped


@dataclass(frozen=True)
class Clipped:
    """Consecutive points of one line beyond the y axis (drawn flat on its edge), and the
    farthest of them: what a marker or a note tells the reader."""

    above: bool  # beyond the top (else the bottom)
    count: int
    first_step: float
    last_step: float
    extreme_step: float
    extreme: float  # the real value farthest from the axis


def clipped_points(
    steps: Sequence[float], values: Sequence[float], lo: float, hi: float
) -> list[Clipped]:
    """The stretches of finite points above ``hi`` or below ``lo``, in step order."""
    out: list[Clipped] = []
    current: list[tuple[float, float]] = []
    side = 0  # +1 above, -1 below, 0 inside

    def close() -> None:
        if current:
            pick = max if side > 0 else min
            at, extreme = pick(current, key=lambda p: p[1])
            out.append(Clipped(side > 0, len(current), current[0][0], current[-1][0], at, extreme))
            current.clear()

    for step, value in zip(steps, values, strict=True):
        now = (1 if value > hi else -1 if value < lo else 0) if math.isfinite(value) else 0
        if now != side:
            close()
            side = now
        if now:
            current.append((float(step), float(value)))
    close()
    return out


def clipping_note(
    clipped: Sequence[Clipped], lo: float, hi: float, number: Callable[[float], str] = format_value
) -> str:
    """``y axis clipped at 3.2: 4 points above (steps 0–150, up to 8.41)``, for both edges
    that points went past (empty when none did); values written by ``number``, as the
    chart's axis writes them."""
    notes = []
    for above, edge in ((True, hi), (False, lo)):
        mine = [c for c in clipped if c.above == above]
        if not mine:
            continue
        count = sum(c.count for c in mine)
        pick = max if above else min
        extreme = pick(c.extreme for c in mine)
        first, last = min(c.first_step for c in mine), max(c.last_step for c in mine)
        steps = format_count(first)
        if first != last:
            steps += f"–{format_count(last)}"
        notes.append(
            f"y axis clipped at {number(edge)}: {count} point{'s' if count != 1 else ''} "
            f"{'above' if above else 'below'} (step{'s' if first != last else ''} {steps}, "
            f"{'up' if above else 'down'} to {number(extreme)})"
        )
    return "; ".join(notes)
