"""Group bands on a plotext canvas: each group's mean line over a shaded spread.

The spread (min–max, or mean ± std) is shaded with braille dots in a faint version of
the group's colour, one column of dots per braille column of the plot, as many dots
high as the band covers; the mean is drawn over every group's shading, in full colour,
so no band hides another group's mean. Where the band narrows (a member stopped), the
new member count is written on the mean line (``n=2``).
"""

from __future__ import annotations

import math

import numpy as np
from textual_plotext import PlotextPlot

from tfwatch.live.facade import Band
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.ui.widgets.charts import (
    F64,
    colour,
    faint,
    plot_background,
    step_ticks,
)

#: Plot area (characters) shaded for before the plot is laid out.
DEFAULT_SIZE = (140, 30)
#: The spreads ``b`` toggles between.
SPREADS = ("min–max", "±std")


def spread_of(band: Band, spread: str) -> tuple[F64, F64]:
    """The band's lower and upper edges: min and max, or mean ∓ std (where defined)."""
    if spread == "±std":
        std = np.where(np.isfinite(band.std), band.std, 0.0)
        return band.mean - std, band.mean + std
    return band.low, band.high


def shade_points(
    x: F64, low: F64, high: F64, columns: int, rows: int, y_span: tuple[float, float]
) -> tuple[list[float], list[float]]:
    """Dots filling the band between ``low`` and ``high``: at most ``columns`` x
    positions, each with a dot per braille row the band covers (``rows`` over
    ``y_span``)."""
    ok = np.isfinite(low) & np.isfinite(high)
    idx = np.flatnonzero(ok)
    if not idx.shape[0] or columns <= 0 or rows <= 0:
        return [], []
    if idx.shape[0] > columns:
        idx = idx[np.linspace(0, idx.shape[0] - 1, columns).round().astype(np.int64)]
    lo, hi = y_span
    unit = (hi - lo) / rows if hi > lo else 1.0
    xs: list[float] = []
    ys: list[float] = []
    for i in idx.tolist():
        a, b = float(low[i]), float(high[i])
        k = max(1, min(rows, math.ceil((b - a) / unit) + 1))
        ys.extend(np.linspace(a, b, k).tolist())
        xs.extend([float(x[i])] * k)
    return xs, ys


def draw_bands(
    plot: PlotextPlot, bands: dict[str, Band], spread: str, colour_of: dict[str, int]
) -> None:
    """Draw each group's band (shaded spread, mean line, member counts) on ``plot``."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    shown = {label: b for label, b in bands.items() if len(b)}
    edges = [spread_of(b, spread) for b in shown.values()]
    finite = [v[np.isfinite(v)] for lo_hi in edges for v in lo_hi]
    finite += [b.mean[np.isfinite(b.mean)] for b in shown.values()]
    values = np.concatenate(finite) if finite else np.empty(0)
    y_span = (float(values.min()), float(values.max())) if values.shape[0] else (0.0, 1.0)
    # Before its first layout the plot has no size: shade for a common terminal's, and
    # the screen draws again when it is laid out (see its Resize handler).
    width = plot.size.width - 12 if plot.size.width > 12 else DEFAULT_SIZE[0]
    height = plot.size.height - 4 if plot.size.height > 4 else DEFAULT_SIZE[1]
    background = plot_background(plot)
    for (label, band), (low, high) in zip(shown.items(), edges, strict=True):
        x = band.steps.astype(np.float64)
        xs, ys = shade_points(x, low, high, width * 2, height * 4, y_span)
        if xs:
            rgb = faint(colour(colour_of.get(label, 0)), background)
            plt.scatter(xs, ys, color=rgb, marker="braille")
    for label, band in shown.items():
        x = band.steps.astype(np.float64)
        ok = np.isfinite(band.mean)
        rgb = colour(colour_of.get(label, 0))
        if ok.any():
            plt.plot(x[ok].tolist(), band.mean[ok].tolist(), color=rgb, marker="braille")
        for step, count in band.narrows_at:
            at = int(np.searchsorted(band.steps, step))
            if at < len(band) and math.isfinite(float(band.mean[at])):
                plt.text(f"n={count}", x=float(step), y=float(band.mean[at]), color=rgb)
    step_ticks(plot, {k: SeriesArrays(b.steps, b.mean, b.mean) for k, b in shown.items()})
    plt.xlabel("step")
    plot.refresh()


def counts_text(band: Band) -> str:
    """``3 runs  n=3→2→1``: the members, and how many the band holds as it narrows."""
    if not len(band):
        return f"{band.members} runs, no points"
    counts = f"n={int(band.count[0])}"
    if band.narrows_at:
        counts += "→" + "→".join(str(c) for _, c in band.narrows_at)
    return f"{band.members} runs  {counts}"
