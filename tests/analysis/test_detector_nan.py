"""``nan``: the first non-finite value of any scalar."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, run_with, series

from tfwatch.analysis.config import config_from_dict
from tfwatch.analysis.detectors.nonfinite import detect_nan
from tfwatch.analysis.health import run_health

CFG = config_from_dict({})


def test_first_nan_with_its_step_and_wall_time() -> None:
    values = np.linspace(2, 1, 100)
    values[60:] = np.nan
    run = run_with("r", series("train/loss", np.arange(0, 1000, 10), values))
    [alert] = detect_nan(run, CFG, now=T0 + 1000)
    assert (alert.run, alert.tag, alert.kind, alert.step) == ("r", "train/loss", "nan", 600)
    assert alert.wall_time == T0 + 60
    assert alert.message == "train/loss became NaN at step 600 (40 non-finite values so far)"


def test_inf_in_any_scalar_even_unknown_names() -> None:
    values = np.ones(50)
    values[20] = np.inf
    values[30] = -np.inf
    run = run_with("r", series("grad_norm", np.arange(50), values), series("lr", range(5), [1] * 5))
    [alert] = detect_nan(run, CFG, now=T0)
    assert alert.tag == "grad_norm" and alert.step == 20
    assert "+Inf at step 20 (2 non-finite" in alert.message


def test_nan_found_even_after_it_was_folded_into_old_buckets() -> None:
    # 10,000 points: the store keeps only the recent ones at full resolution.
    values = np.ones(10_000)
    values[123] = np.nan
    run = run_with("r", series("loss", np.arange(10_000), values))
    [alert] = detect_nan(run, CFG, now=T0)
    assert alert.step == 123 and "NaN" in alert.message


def test_clean_series_and_ignored_tags_raise_nothing() -> None:
    values = np.ones(10)
    values[3] = np.nan
    run = run_with(
        "r", series("loss", range(10), np.ones(10)), series("debug/x", range(10), values)
    )
    assert [a.tag for a in detect_nan(run, CFG, now=T0)] == ["debug/x"]
    cfg = config_from_dict({"detectors": {"nan": {"ignore": ["debug/*"]}}})
    assert detect_nan(run, cfg, now=T0) == []
    assert run_health(run, cfg, now=T0, plugins=[]) == []
