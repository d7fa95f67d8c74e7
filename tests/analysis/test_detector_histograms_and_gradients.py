"""``frozen`` weights and ``exploding_grad`` norms."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, arrays, histogram, histogram_series, run_with, series

from tfwatch.analysis.config import HealthConfig, config_from_dict
from tfwatch.analysis.detectors.frozen import detect_frozen, frozen_since
from tfwatch.analysis.detectors.gradients import detect_exploding_grad, find_gradient_jump
from tfwatch.analysis.settings import ExplodingGradSettings

RNG = np.random.default_rng(0)
W = RNG.normal(0, 0.1, 1000)


def test_weights_that_stop_changing_are_frozen_from_the_first_identical_record() -> None:
    moving = [histogram(s, W + 0.001 * s) for s in range(0, 500, 100)]
    stuck = [histogram(s, W + 1.0) for s in range(500, 900, 100)]
    run = run_with(
        "r", histograms={"layer1/kernel": histogram_series("layer1/kernel", moving + stuck)}
    )
    [alert] = detect_frozen(run, HealthConfig(), now=T0)
    assert (alert.tag, alert.step, alert.kind) == ("layer1/kernel", 500, "frozen")
    assert "4 identical records up to step 800" in alert.message


def test_tiny_updates_are_not_frozen() -> None:
    points = [histogram(s, W + 1e-7 * s) for s in range(0, 1000, 100)]
    assert frozen_since(points, records=3, rtol=1e-10) is None


def test_same_step_rewritten_is_not_frozen_and_records_threshold_applies() -> None:
    points = [histogram(0, W), histogram(100, W + 1), histogram(200, W + 1)]
    assert frozen_since(points, records=3, rtol=1e-10) is None
    assert frozen_since(points, records=2, rtol=1e-10) == 1


def test_frozen_can_be_switched_off_per_tag() -> None:
    stuck = [histogram(s, W) for s in range(0, 500, 100)]
    run = run_with("r", histograms={"backbone/w": histogram_series("backbone/w", stuck)})
    cfg = config_from_dict(
        {"detectors": {"frozen": {"tag": [{"pattern": "backbone/*", "enabled": False}]}}}
    )
    assert detect_frozen(run, cfg, now=T0) == []
    assert len(detect_frozen(run, HealthConfig(), now=T0)) == 1


def norms(n: int = 200) -> np.ndarray:
    return np.abs(1.0 + 0.2 * RNG.normal(size=n))


def test_gradient_norm_jumping_two_orders_of_magnitude() -> None:
    values = norms()
    values[190] = 250.0
    jump = find_gradient_jump(arrays(np.arange(200) * 10, values), ExplodingGradSettings())
    assert jump is not None and jump.step == 1900
    assert jump.factor > 100


def test_steady_or_slowly_growing_norms_are_fine() -> None:
    values = norms() * np.linspace(1, 20, 200)
    assert find_gradient_jump(arrays(np.arange(200), values), ExplodingGradSettings()) is None


def test_an_old_jump_has_cleared() -> None:
    values = norms()
    values[100] = 500.0
    assert find_gradient_jump(arrays(np.arange(200), values), ExplodingGradSettings()) is None


def test_detector_watches_grad_norm_tags_only() -> None:
    values = norms()
    values[-1] = 1e4
    run = run_with(
        "r",
        series("train/grad_norm", np.arange(200), values),
        series("optimizer/gradient_global_norm", np.arange(200), values),
        series("loss", np.arange(200), values),
    )
    alerts = detect_exploding_grad(run, HealthConfig(), now=T0)
    assert [a.tag for a in alerts] == ["optimizer/gradient_global_norm", "train/grad_norm"]
    assert all(a.kind == "exploding_grad" and a.step == 199 for a in alerts)
    assert "× its recent median" in alerts[0].message
