"""Load a root with and without the cache, and compare what the two loads hold."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from tfwatch.cache.run_cache import RunCache
from tfwatch.ingest.tailer import Tailer
from tfwatch.loading import load_once
from tfwatch.store.runs import Run


def load(root: Path | str, cache: RunCache | None, options: dict[str, Any] | None = None) -> Tailer:
    """``root`` read once, as ``tfwatch ls`` / ``check`` read it."""
    return load_once([str(root)], cache=cache, storage_options=options)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_same_run(warm: Run, cold: Run) -> None:
    """Every exact figure of the two runs agrees, and the newest points are the same
    (the bounded window may hold more or fewer of the older ones)."""
    assert sorted(warm.scalars) == sorted(cold.scalars), warm.name
    assert warm.events == cold.events, warm.name
    assert warm.hparams == cold.hparams and warm.final_metrics == cold.final_metrics
    assert sorted(warm.histograms) == sorted(cold.histograms)
    for tag, hist in cold.histograms.items():
        assert warm.histograms[tag].count == hist.count
    for tag, c in cold.scalars.items():
        w = warm.scalars[tag]
        assert (w.count, w.first_step, w.last_step) == (c.count, c.first_step, c.last_step), tag
        for name in ("first_value", "last_value", "min_value", "max_value"):
            assert _same(getattr(w, name), getattr(c, name)), (tag, name)
        assert (w.min_step, w.max_step, w.nan_count, w.inf_count) == (
            c.min_step,
            c.max_step,
            c.nan_count,
            c.inf_count,
        )
        wr, cr = w.recent(), c.recent()
        n = min(len(wr), len(cr))
        assert n > 0
        np.testing.assert_array_equal(wr.steps[-n:], cr.steps[-n:])
        np.testing.assert_array_equal(wr.values[-n:], cr.values[-n:])


def assert_same_as_cold(
    root: Path | str, warm: Tailer, options: dict[str, Any] | None = None
) -> None:
    """What a load through the cache holds equals a load that reads every byte."""
    cold = load(root, None, options)
    assert sorted(warm.runs) == sorted(cold.runs)
    for name, run in cold.runs.items():
        assert_same_run(warm.runs[name], run)
