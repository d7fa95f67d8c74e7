"""``plateau``: Keras EarlyStopping replayed, step for step."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, arrays, run_with, series

from tfwatch.analysis.config import HealthConfig, config_from_dict
from tfwatch.analysis.detectors.plateau import detect_plateau, replay_early_stopping


class KerasEarlyStopping:
    """keras.callbacks.EarlyStopping.on_epoch_end (Keras 3), minus the model plumbing."""

    def __init__(
        self, mode: str, patience: int, min_delta: float, start_from_epoch: int = 0
    ) -> None:
        self.greater = mode == "max"
        self.patience, self.start_from_epoch = patience, start_from_epoch
        self.min_delta = abs(min_delta) * (1 if self.greater else -1)
        self.wait, self.stopped_epoch = 0, 0
        self.best: float | None = None

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        v = value - self.min_delta
        return v > reference if self.greater else v < reference

    def on_epoch_end(self, epoch: int, current: float) -> bool:
        if epoch < self.start_from_epoch:
            return False
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return False
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            return True
        return False


def keras_stop(
    values: list[float], mode: str, patience: int, min_delta: float, start: int = 0
) -> int | None:
    es = KerasEarlyStopping(mode, patience, min_delta, start)
    for epoch, v in enumerate(values):
        if es.on_epoch_end(epoch, v):
            return epoch
    return None


def test_same_stop_as_keras_on_many_noisy_curves() -> None:
    rng = np.random.default_rng(0)
    checked = 0
    for trial in range(300):
        n = int(rng.integers(5, 80))
        mode = "max" if trial % 2 else "min"
        base = 1 - np.exp(-np.arange(n) / rng.uniform(2, 30))
        values = (base if mode == "max" else 1 - base) + rng.normal(0, rng.uniform(0, 0.05), n)
        if trial % 7 == 0:
            values[rng.integers(0, n)] = np.nan
        patience = int(rng.integers(1, 12))
        min_delta = float(rng.choice([0.0, 0.001, 0.01]))
        start = int(rng.choice([0, 0, 3]))
        steps = np.arange(n) * 100
        ours = replay_early_stopping(
            arrays(steps, values), mode == "max", patience, min_delta, start
        )
        theirs = keras_stop(values.tolist(), mode, patience, min_delta, start)
        assert ours.first_stop_step == (None if theirs is None else theirs * 100), trial
        checked += theirs is not None
    assert checked > 100  # most trials do stop: the comparison is not vacuous


def test_would_have_stopped_at_step_n_and_current_stretch() -> None:
    acc = [0.5, 0.6, 0.7, 0.7, 0.69, 0.7, 0.8, 0.8, 0.8, 0.8]
    steps = np.arange(1, 11) * 1000
    early = replay_early_stopping(arrays(steps, acc), True, patience=2, min_delta=0.0)
    assert early.first_stop_step == 5000  # 0.7 at 3k; no better at 4k, 5k
    assert early.best_step == 7000 and early.wait == 3
    assert early.stop_step == 9000  # the current stretch reached patience at 9k


def test_an_improvement_ends_the_plateau() -> None:
    acc = [0.5, 0.6, 0.6, 0.6, 0.6, 0.9]
    result = replay_early_stopping(arrays(range(6), acc), True, patience=3, min_delta=0.0)
    assert result.first_stop_step == 4 and result.stop_step is None and result.wait == 0


def test_detector_checks_eval_metrics_by_default() -> None:
    flat = np.r_[np.linspace(1.0, 0.5, 20), np.full(15, 0.5)]
    steps = np.arange(35) * 500
    run = run_with("r", series("val_loss", steps, flat), series("train/loss", steps, flat))
    [alert] = detect_plateau(run, HealthConfig(), now=T0)
    assert alert.tag == "val_loss" and alert.kind == "plateau"
    assert alert.step == 19 * 500 + 10 * 500
    assert "would have stopped at step 14,500" in alert.message
    assert "since step 9,500" in alert.message


def test_per_tag_patience_and_explicit_tags() -> None:
    flat = np.r_[np.linspace(1.0, 0.5, 20), np.full(15, 0.5)]
    steps = np.arange(35) * 500
    noisy = np.r_[np.linspace(1.0, 0.5, 40), np.full(80, 0.5)]
    noisy += np.random.default_rng(0).normal(0, 0.002, 120)
    run = run_with(
        "r", series("val_loss", steps, flat), series("train/loss", np.arange(120) * 10, noisy)
    )
    cfg = config_from_dict(
        {
            "detectors": {
                "plateau": {"tags": ["*loss"], "tag": [{"pattern": "val_*", "patience": 20}]}
            }
        }
    )
    assert [a.tag for a in detect_plateau(run, cfg, now=T0)] == ["train/loss"]


def test_smoothing_option_is_not_fooled_by_one_lucky_evaluation() -> None:
    # A steadily improving loss with one lucky low evaluation: raw EarlyStopping takes the
    # outlier as its best and stops; on the smoothed curve the improvement keeps showing.
    values = np.linspace(1.0, 0.7, 40)
    values[10] = 0.6
    run = run_with("r", series("val_loss", np.arange(40), values))
    raw = detect_plateau(run, HealthConfig(), now=T0)
    assert len(raw) == 1 and "since step 10 " in raw[0].message
    cfg = config_from_dict({"detectors": {"plateau": {"smoothing": 0.9}}})
    assert detect_plateau(run, cfg, now=T0) == []
