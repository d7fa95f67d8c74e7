"""A histogram tag over time in the terminal: one heat strip per record, newest last.

Answers TensorBoard's Distributions/Histograms tab for people who live in the terminal,
and shows the records the ``frozen`` and ``exploding_grad`` rules read: identical rows
are weights that did not move. Every record is re-binned onto one shared value axis
(from the smallest minimum to the largest maximum of the records shown), so a shift or a
widening shows as the strip moving or spreading.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text

from tfwatch.model.histograms import HistogramPoint
from tfwatch.text.numbers import format_short
from tfwatch.text.safe_text import printable

#: Shades from empty to the densest cell of a row.
SHADES = " ·░▒▓█"
#: Records shown at most (the most recent).
MAX_ROWS = 16


def row_density(point: HistogramPoint, edges: np.ndarray) -> np.ndarray:
    """The share of ``point``'s count in each cell between ``edges``: each bucket's
    count spread evenly over its width (its left edge is the previous bucket's right)."""
    limits = np.asarray(point.bucket_limits, dtype=np.float64)
    counts = np.asarray(point.bucket_counts, dtype=np.float64)
    out = np.zeros(edges.shape[0] - 1)
    if counts.shape[0] == 0 or not np.isfinite(point.min) or not np.isfinite(point.max):
        return out
    lefts = np.r_[point.min, limits[:-1]]
    rights = np.minimum(limits, point.max)
    lefts = np.maximum(lefts, point.min)
    for lo, hi, count in zip(lefts, rights, counts, strict=True):
        if count <= 0:
            continue
        if hi <= lo:  # a bucket of one value: all of it in the cell holding it
            i = int(np.clip(np.searchsorted(edges, lo, side="right") - 1, 0, out.shape[0] - 1))
            out[i] += count
            continue
        overlap = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None)
        out += count * overlap / (hi - lo)
    return out


def heat_strip(tag: str, points: Sequence[HistogramPoint], width: int = 48) -> Text:
    """The last :data:`MAX_ROWS` records of ``tag`` as rows of shaded cells, each row
    labelled with its step, under a title with the tag and the value axis."""
    shown = [p for p in points if p.num > 0][-MAX_ROWS:]
    text = Text(printable(tag), style="bold")
    if not shown:
        text.append("  no records to show", style="dim")
        return text
    lo = min(float(p.min) for p in shown)
    hi = max(float(p.max) for p in shown)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        text.append("  non-finite values: nothing to draw", style="yellow")
        return text
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, width + 1)
    label_width = max(len(f"{p.step:,}") for p in shown)
    text.append(f"  values {format_short(lo)} … {format_short(hi)}\n", style="dim")
    for p in shown:
        density = row_density(p, edges)
        top = float(density.max())
        levels = (
            np.ceil(density / top * (len(SHADES) - 1)).astype(int)
            if top > 0
            else np.zeros(width, dtype=int)
        )
        text.append(f"{p.step:>{label_width},} ", style="cyan")
        text.append("".join(SHADES[i] for i in levels), style="magenta")
        text.append("\n")
    return text
