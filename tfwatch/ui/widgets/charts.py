"""Line charts of scalar series on a plotext canvas (through textual-plotext).

Colours come from the Okabe-Ito palette, which stays distinguishable for the common
kinds of colour blindness; each series also gets its own marker so charts still read
under ``NO_COLOR``. A smoothed series is drawn over its raw values in a faint version of
its colour, as TensorBoard draws it. Non-finite points are drawn, not dropped: NaN as
``×`` and ±Inf as ``▲``/``▼`` at the top or bottom edge of the plot, in the series' colour.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from textual.color import Color, ColorParseError
from textual_plotext import PlotextPlot

from tfwatch.live.facade import smooth
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.text.numbers import format_count
from tfwatch.text.safe_text import printable

#: Okabe & Ito (2008), without black: orange, sky blue, bluish green, yellow, blue,
#: vermillion, reddish purple, grey.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (204, 121, 167),
    (153, 153, 153),
)
MARKERS = ("braille", "dot", "+", "x", "o", "*", "#", "@")
#: How much of its series' colour the raw line keeps (the rest is the background).
RAW_STRENGTH = 0.35
#: The raw line's marker under NO_COLOR, where it cannot be told apart by colour.
RAW_MARKER = "·"
X_AXES = ("step", "relative", "wall")
F64 = npt.NDArray[np.float64]


def colour(index: int) -> tuple[int, int, int]:
    """Stable colour of the ``index``-th series."""
    return PALETTE[index % len(PALETTE)]


def rich_colour(index: int) -> str:
    """The same colour as a rich style string."""
    r, g, b = colour(index)
    return f"rgb({r},{g},{b})"


@dataclass(frozen=True)
class ChartOptions:
    """How to draw: smoothing weight, x axis, log y."""

    smoothing: float = 0.6
    x_axis: str = "step"
    log_y: bool = False


def x_values(points: SeriesArrays, axis: str) -> F64:
    """The x coordinate of each point: step, hours since the first point, or wall time."""
    if axis == "relative":
        return np.asarray((points.wall_times - points.wall_times[0]) / 3600.0, dtype=np.float64)
    if axis == "wall":
        return np.asarray(points.wall_times, dtype=np.float64)
    return np.asarray(points.steps, dtype=np.float64)


def faint(rgb: tuple[int, int, int], background: tuple[int, int, int]) -> tuple[int, int, int]:
    """``rgb`` faded towards ``background`` (:data:`RAW_STRENGTH` of it left): the raw line."""
    mixed = [round(b + (c - b) * RAW_STRENGTH) for c, b in zip(rgb, background, strict=True)]
    return (mixed[0], mixed[1], mixed[2])


def draw(
    plot: PlotextPlot,
    series: dict[str, SeriesArrays],
    options: ChartOptions,
    title: str = "",
    legend: bool = True,
    colour_of: dict[str, int] | None = None,
) -> None:
    """Draw ``series`` (label → points) on ``plot`` with ``options``.

    With smoothing on, each series' raw values are drawn faintly behind its smoothed
    line, as TensorBoard does: the last value written, and every spike, stay on the
    chart and inside its y axis."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(printable(title))
    background = plot_background(plot)
    finite_all: list[F64] = []
    drawn = [(name, pts, colour_of.get(name, i) if colour_of else i)
             for i, (name, pts) in enumerate(series.items()) if len(pts)]  # fmt: skip
    if options.smoothing > 0:
        # Every raw line first: a faint line must never cover another run's smoothed one.
        marker = RAW_MARKER if plot.app.no_color else "braille"
        for _, pts, index in drawn:
            x = x_values(pts, options.x_axis)
            raw_colour = faint(colour(index), background)
            _line(plot, x, pts.values, options, raw_colour, marker, None, finite_all)
    for name, pts, index in drawn:
        x = x_values(pts, options.x_axis)
        y = smooth(pts.values, options.smoothing) if options.smoothing > 0 else pts.values
        label = printable(name) if legend else None
        _line(plot, x, y, options, colour(index), _marker(plot, index), label, finite_all)
    lo, hi = _y_range(finite_all)
    for i, (name, pts) in enumerate(series.items()):
        index = colour_of.get(name, i) if colour_of else i
        _mark_nonfinite(plot, pts, options, index, lo, hi)
    if options.log_y:
        plt.yscale("log")
    if options.x_axis == "wall":
        _wall_ticks(plot, series)
    elif options.x_axis == "step":
        step_ticks(plot, series)
    plt.xlabel({"step": "step", "relative": "hours", "wall": "time"}[options.x_axis])
    plot.refresh()


def _line(
    plot: PlotextPlot,
    x: F64,
    y: F64,
    options: ChartOptions,
    rgb: tuple[int, int, int],
    marker: str,
    label: str | None,
    drawn: list[F64],
) -> None:
    """Plot the finite (and, on a log axis, positive) points of ``y``; add them to
    ``drawn``, the values the y range must cover."""
    ok = np.isfinite(y)
    if options.log_y:
        ok &= y > 0
    if ok.any():
        drawn.append(y[ok])
        plot.plt.plot(x[ok].tolist(), y[ok].tolist(), color=rgb, marker=marker, label=label)


def plot_background(plot: PlotextPlot) -> tuple[int, int, int]:
    """The canvas colour textual-plotext gives the plot: the theme's ``surface``."""
    surface = plot.app.theme_variables.get("surface", "black")
    try:
        return Color.parse(surface).rgb
    except ColorParseError:
        return (0, 0, 0)


def _marker(plot: PlotextPlot, index: int) -> str:
    """Braille lines; distinct markers when colours are off (NO_COLOR)."""
    return MARKERS[index % len(MARKERS)] if plot.app.no_color else "braille"


def _y_range(parts: list[F64]) -> tuple[float, float]:
    if not parts:
        return (0.0, 1.0)
    values = np.concatenate(parts)
    return (float(values.min()), float(values.max()))


def _mark_nonfinite(
    plot: PlotextPlot, pts: SeriesArrays, options: ChartOptions, index: int, lo: float, hi: float
) -> None:
    """NaN and ±Inf points as markers on the plot's edges (they have no y of their own)."""
    if not len(pts):
        return
    x = x_values(pts, options.x_axis)
    v = pts.values
    for mask, y, marker in (
        (np.isnan(v), hi, "×"),
        (np.isposinf(v), hi, "▲"),
        (np.isneginf(v), lo, "▼"),
    ):
        if mask.any():
            xs = x[mask].tolist()
            plot.plt.scatter(xs, [y] * len(xs), color=colour(index), marker=marker)


def _wall_ticks(plot: PlotextPlot, series: dict[str, SeriesArrays]) -> None:
    walls = [float(p.wall_times[i]) for p in series.values() if len(p) for i in (0, -1)]
    if not walls:
        return
    lo, hi = min(walls), max(walls)
    ticks = [lo + (hi - lo) * k / 4 for k in range(5)] if hi > lo else [lo]
    fmt = "%H:%M" if hi - lo > 600 else "%H:%M:%S"
    plot.plt.xticks(ticks, [time.strftime(fmt, time.localtime(t)) for t in ticks])


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[int]:
    """Round integer positions (1, 2 or 5 × 10^k apart) covering ``lo``…``hi``,
    about ``count`` of them: steps read as ``12k``, never ``149.8``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [round(lo)] if math.isfinite(lo) else []
    raw = (hi - lo) / count
    scale = 10 ** math.floor(math.log10(raw))
    spacing = next(m * scale for m in (1, 2, 5, 10) if m * scale >= raw)
    gap = max(1, round(spacing))
    first = math.ceil(lo / gap) * gap
    return list(range(int(first), int(hi) + 1, gap))


def step_ticks(plot: PlotextPlot, series: dict[str, SeriesArrays]) -> None:
    ends = [float(p.steps[i]) for p in series.values() if len(p) for i in (0, -1)]
    if not ends:
        return
    ticks = nice_ticks(min(ends), max(ends))
    if ticks:
        plot.plt.xticks([float(t) for t in ticks], [format_count(t) for t in ticks])


def nonfinite_note(pts: SeriesArrays) -> str:
    """``NaN@421`` / ``Inf@12`` for the first non-finite point, or ""."""
    bad = ~np.isfinite(pts.values)
    if not bad.any():
        return ""
    i = int(np.argmax(bad))
    value = float(pts.values[i])
    kind = "NaN" if math.isnan(value) else ("Inf" if value > 0 else "-Inf")
    return f"{kind}@{int(pts.steps[i])}"
