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
    edges = np.linspace(0, n, cells + 1).astype(np.int64)
    means = np.empty(cells, dtype=np.float64)
    marks: list[str | None] = [None] * cells
    finite = np.isfinite(x)
    for i in range(cells):
        a, b = int(edges[i]), int(edges[i + 1])
        chunk, ok = x[a:b], finite[a:b]
        if not ok.all():
            bad = chunk[~ok]
            if np.isnan(bad).any():
                marks[i] = NAN_MARK
            else:
                marks[i] = POS_INF_MARK if bool((bad > 0).any()) else NEG_INF_MARK
        means[i] = float(chunk[ok].mean()) if ok.any() else math.nan
    good = np.isfinite(means)
    lo = float(means[good].min()) if good.any() else 0.0
    hi = float(means[good].max()) if good.any() else 0.0
    span = hi - lo
    out: list[str] = []
    for i in range(cells):
        mark = marks[i]
        if mark is not None:
            out.append(mark)
        elif span <= 0 or not math.isfinite(span):
            out.append(BLOCKS[len(BLOCKS) // 2 - 1])  # a flat line sits mid-height
        else:
            level = int((means[i] - lo) / span * (len(BLOCKS) - 1) + 0.5)
            out.append(BLOCKS[level])
    return " " * (width - cells) + "".join(out)
