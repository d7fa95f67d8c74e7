"""A report chart whose y axis is clipped to the bulk of the curves says where points went
past it: a triangle on the SVG's edge with the real value in its tooltip, a note under
the Mermaid chart with the count and the farthest value."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.report.curves import decay
from tests.report.rendered import MARKDOWN
from tfwatch.cli.reporting import render
from tfwatch.loading import load_once
from tfwatch.report.svg_chart import LEFT, TOP


def _runs(write_run, tmp_path: Path) -> list:
    write_run("base", {"train/loss": decay(2.0, 0.5, 30, 300)})
    write_run("third", {"train/loss": decay(2.0, 0.6, 40, 300)})
    # Starts 30x higher than the others, then trains like them.
    write_run("spiky", {"train/loss": decay(60.0, 0.4, 8, 300)})
    return list(load_once([str(tmp_path)], retain_all=True).runs.values())


def test_mermaid_chart_notes_the_points_above_its_clipped_axis(write_run, tmp_path: Path) -> None:
    text = render("md", _runs(write_run, tmp_path), None, "base", None, None)
    (fence,) = [t for t in MARKDOWN.parse(text) if t.type == "fence"]
    body = fence.content.splitlines()
    axis = next(line for line in body if line.strip().startswith("y-axis"))
    top_text = axis.split(" --> ")[1]
    series = [line.strip()[6:-1].split(", ") for line in body if line.strip().startswith("line [")]
    on_the_edge = sum(v == top_text for values in series for v in values)
    assert on_the_edge > 0

    after = text[text.index(fence.content) + len(fence.content) :]
    note = re.search(
        r"y axis clipped at (\S+): (\d+) points? above \(steps? ([\d.k]+)(?:–([\d.k]+))?, "
        r"up to ([^)\s]+)\)",
        after[:600],
    )
    assert note is not None, after[:400]
    edge, count, first, _, farthest = note.groups()
    assert int(count) == on_the_edge
    assert first == "0"  # the early points are the clipped ones
    assert edge == top_text and float(top_text) < float(farthest)
    assert float(farthest) <= 60.0  # a smoothed value of the spiky run, never beyond its raw start


def test_svg_chart_marks_each_clipped_stretch_with_its_real_value(
    write_run, tmp_path: Path
) -> None:
    page = render("html", _runs(write_run, tmp_path), None, "base", None, None)
    (svg,) = re.findall(r'<svg[^>]*class="chart".*?</svg>', page)
    labels = [
        float(v)
        for v in re.findall(rf'<text x="{LEFT - 6}" y="[\d.]+" text-anchor="end">([^<]+)<', svg)
    ]
    top_label = max(labels)
    marks = re.findall(
        r'<polygon points="([^"]+)" fill="[^"]+" class="clipped"><title>([^<]+)</title>', svg
    )
    assert marks, svg[-600:]
    for points, title in marks:
        tip_y = float(points.split()[-1].split(",")[1])
        assert tip_y == TOP  # on the top edge, pointing up
        run, rest = html.unescape(title).split(": ", 1)
        assert run == "spiky"
        value = float(rest.split(" at step ")[0])
        assert top_label < value <= 60.0
        assert "above the axis" in rest
    assert "▲▼ mark points beyond the axis" in svg
