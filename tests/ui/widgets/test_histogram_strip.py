"""Heat strips of a histogram tag over time, from tensorboardX's own histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tfwatch.loading import load_once
from tfwatch.ui.widgets.histogram_strip import SHADES, heat_strip, row_density


def test_strips_follow_a_distribution_that_moves(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    w = SummaryWriter(str(tmp_path / "run"))
    for step in range(5):
        w.add_histogram("layer/weight", rng.normal(step, 0.3, 2000), step * 100)
    w.close()
    points = load_once([str(tmp_path)]).runs["run"].histograms["layer/weight"].recent()
    text = heat_strip("layer/weight", points, width=40).plain
    head, *rows = text.splitlines()
    assert head.startswith("layer/weight") and len(rows) == 5
    # The densest cell walks right as the mean grows from 0 to 4.
    peaks = [row.split(" ", 1)[1].index(SHADES[-1]) for row in rows]
    assert peaks == sorted(peaks) and peaks[-1] - peaks[0] > 15
    for p in points:  # re-binning keeps every count
        edges = np.linspace(float(p.min), float(p.max), 41)
        assert np.isclose(row_density(p, edges).sum(), p.num)


def test_no_records_says_so() -> None:
    assert "no records" in heat_strip("t", []).plain
