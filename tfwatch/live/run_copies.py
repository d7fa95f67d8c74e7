"""Copies of one run (the detail screen) or one tag across runs (the compare screen).

Made under the store's lock and handed to the views, which may keep them as long as
they like: nothing here is shared with the ingest thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from tfwatch.model.damage import Damage
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.runs import Run


@dataclass(frozen=True)
class FileSummary:
    """One event file as the detail screen lists it."""

    name: str
    size: int
    offset: int
    records: int
    gone: bool
    host: str | None
    pid: int | None


@dataclass(frozen=True)
class RunDetail:
    """A copy of one run's data for the detail screen: every scalar tag's history."""

    name: str
    path: str
    hparams: Mapping[str, str | float | bool]
    scalars: Mapping[str, SeriesArrays]
    histograms: tuple[str, ...]
    text_tags: tuple[str, ...]
    image_tags: tuple[str, ...]
    files: tuple[FileSummary, ...]
    damage: tuple[Damage, ...]
    events: int
    #: The metrics add_hparams wrote with the hparams (one final value each).
    final_metrics: Mapping[str, float] = field(default_factory=dict)


def _copy(arrays: SeriesArrays) -> SeriesArrays:
    return SeriesArrays(
        np.array(arrays.steps, copy=True),
        np.array(arrays.values, copy=True),
        np.array(arrays.wall_times, copy=True),
    )


def run_detail(run: Run) -> RunDetail:
    """Copy what the detail screen shows (the caller holds the store's lock)."""
    return RunDetail(
        name=run.name,
        path=run.path,
        hparams=dict(run.hparams),
        scalars={tag: _copy(s.overview()) for tag, s in sorted(run.scalars.items())},
        histograms=tuple(sorted(run.histograms)),
        text_tags=tuple(sorted(run.text_tags)),
        image_tags=tuple(sorted(run.image_tags)),
        files=tuple(
            FileSummary(f.name, f.size, f.offset, f.records, f.gone, f.host, f.pid)
            for f in run.files.values()
        ),
        damage=tuple(run.damage),
        events=run.events,
        final_metrics=dict(run.final_metrics),
    )


def series_of(runs: Mapping[str, Run], names: Iterable[str], tag: str) -> dict[str, SeriesArrays]:
    """Copies of one tag's whole history (overview) for each named run that has it."""
    out: dict[str, SeriesArrays] = {}
    for name in names:
        run = runs.get(name)
        series = run.scalars.get(tag) if run is not None else None
        if series is not None and series.count:
            out[name] = _copy(series.overview())
    return out
