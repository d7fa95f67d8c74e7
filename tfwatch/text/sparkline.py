"""Sparklines: a series drawn as a fixed number of block characters.

Fixed width matters: the runs table never re-measures its columns on a refresh. Points
are split into ``width`` buckets of equal count; each bucket shows its mean as one of
eight block heights. Non-finite points are never averaged away: a bucket holding a NaN
shows ``×``, one holding +Inf ``↑`` and -Inf ``↓``, so a blow-up stays visible.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

BLOCKS = "▁▂▃▄▅▆▇█"
NAN_MARK = "×"
POS_INF_MARK = "↑"
NEG_INF_MARK = "↓"
#: Characters that mark non-finite buckets (the table colours them).
NONFINITE_MARKS = NAN_MARK + POS_INF_MARK + NEG_INF_MARK


def sparkline(values: npt.ArrayLike, width: int) -> str:
    """``values`` drawn in exactly ``width`` characters (right-aligned when there are fewer
    points than characters; spaces when there are none)."""
    if width <= 0:
        return ""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    n = int(x.shape[0])
    if n == 0:
        return " " * width
    cells = min(n, width)
    starts = np.linspace(0, n, cells + 1).astype(np.int64)[:-1]
    finite = np.isfinite(x)
    counts = np.add.reduceat(finite.astype(np.int64), starts)
    sums = np.add.reduceat(np.where(finite, x, 0.0), starts)
    nans = np.add.reduceat(np.isnan(x).astype(np.int64), starts)
    pos_inf = np.add.reduceat(np.isposinf(x).astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), math.nan)
    good = counts > 0
    lo = float(means[good].min()) if good.any() else 0.0
    hi = float(means[good].max()) if good.any() else 0.0
    span = hi - lo
    if span > 0 and math.isfinite(span):
        levels = np.rint((np.where(good, means, lo) - lo) / span * (len(BLOCKS) - 1))
    else:
        levels = np.full(cells, len(BLOCKS) // 2 - 1)  # a flat line sits mid-height
    bad = counts < (np.diff(np.append(starts, n)))
    out: list[str] = []
    for i in range(cells):
        if bad[i]:
            out.append(NAN_MARK if nans[i] else (POS_INF_MARK if pos_inf[i] else NEG_INF_MARK))
        else:
            out.append(BLOCKS[int(levels[i])])
    return " " * (width - cells) + "".join(out)
