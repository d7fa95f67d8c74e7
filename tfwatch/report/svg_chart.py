"""A line chart as inline SVG: no script, no font or file fetched, scales to any width."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tfwatch.report.chart_lines import PALETTE, Clipped, clipped_points, value_range
from tfwatch.report.escaping import html_text
from tfwatch.report.model import ChartLine
from tfwatch.text.numbers import format_count, format_value

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 36
#: Dash patterns that tell lines apart without colour (print, colour-blind readers).
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 6")


def svg_chart(title: str, lines: Sequence[ChartLine]) -> str:
    """``lines`` drawn in one chart, each in its palette colour and dash pattern."""
    steps = [s for line in lines for s in line.steps]
    x0, x1 = (min(steps), max(steps)) if steps else (0, 1)
    if x1 == x0:
        x1 = x0 + 1
    arrays = [np.asarray(line.values, dtype=np.float64) for line in lines]
    y0, y1, clipped = value_range(arrays)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(step: float) -> float:
        return LEFT + (step - x0) / (x1 - x0) * pw

    def py(value: float) -> float:
        v = min(max(value, y0), y1)
        return TOP + (1 - (v - y0) / (y1 - y0)) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart"><title>{html_text(title)}</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="plot"/>',
    ]
    for i in range(5):
        frac = i / 4
        yv = y0 + frac * (y1 - y0)
        yy = py(yv)
        xs = x0 + frac * (x1 - x0)
        xx = px(xs)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">{format_value(yv)}</text>'
        )
        parts.append(
            f'<text x="{xx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{format_count(round(xs))}</text>"
        )
    parts.append(f'<text x="{LEFT + pw / 2}" y="{HEIGHT - 4}" text-anchor="middle">step</text>')
    for i, line in enumerate(lines):
        colour = PALETTE[i % len(PALETTE)][1]
        dash = DASHES[i % len(DASHES)]
        for segment in _segments(line):
            pts = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in segment)
            attrs = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline points="{pts}" stroke="{colour}"{attrs} class="line"/>')
    if clipped:
        marks = [_clip_marker(i, line, c, px(c.extreme_step), TOP, TOP + ph)
                 for i, line in enumerate(lines)
                 for c in clipped_points(line.steps, line.values, y0, y1)]  # fmt: skip
        parts += marks
        legend = "y clipped" + (": ▲▼ mark points beyond the axis" if marks else "")
        parts.append(f'<text x="{LEFT + pw - 4}" y="{TOP + 14}" text-anchor="end">{legend}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _segments(line: ChartLine) -> list[list[tuple[int, float]]]:
    """Runs of finite points: a NaN breaks the line instead of being drawn as a value."""
    out: list[list[tuple[int, float]]] = [[]]
    for s, v in zip(line.steps, line.values, strict=True):
        if math.isfinite(v):
            out[-1].append((s, v))
        elif out[-1]:
            out.append([])
    return [seg for seg in out if seg]


def _clip_marker(
    index: int, line: ChartLine, c: Clipped, x: float, top: float, bottom: float
) -> str:
    """A triangle on the plot's edge where a stretch of ``line`` went beyond the axis
    (pointing the way it went), its real values in a tooltip."""
    colour = PALETTE[index % len(PALETTE)][1]
    tip, base = (top, top + 8) if c.above else (bottom, bottom - 8)
    where = (
        f"step {format_count(c.first_step)}"
        if c.count == 1
        else f"{c.count} points, steps {format_count(c.first_step)}–{format_count(c.last_step)}"
    )
    title = (
        f"{line.run}: {format_value(c.extreme)} at step {format_count(c.extreme_step)} "
        f"({'above' if c.above else 'below'} the axis; {where})"
    )
    return (
        f'<polygon points="{x - 5:.1f},{base:.1f} {x + 5:.1f},{base:.1f} {x:.1f},{tip:.1f}" '
        f'fill="{colour}" class="clipped"><title>{html_text(title)}</title></polygon>'
    )


def legend_swatch(index: int) -> str:
    """A small SVG sample of line ``index``'s colour and dash, for the legend."""
    colour = PALETTE[index % len(PALETTE)][1]
    dash = DASHES[index % len(DASHES)]
    attrs = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 8" class="swatch" '
        f'aria-hidden="true"><line x1="0" y1="4" x2="28" y2="4" stroke="{colour}"{attrs} '
        'stroke-width="2.5"/></svg>'
    )
