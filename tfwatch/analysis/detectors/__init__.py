"""The built-in health detectors: pure functions ``(run, config, now) -> list[Alert]``."""

from __future__ import annotations

from collections.abc import Callable

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.diverging import detect_diverging, find_divergence
from tfwatch.analysis.detectors.frozen import detect_frozen, frozen_since
from tfwatch.analysis.detectors.gradients import detect_exploding_grad, find_gradient_jump
from tfwatch.analysis.detectors.liveness import detect_liveness
from tfwatch.analysis.detectors.nonfinite import detect_nan
from tfwatch.analysis.detectors.oscillating import detect_oscillating, measure_oscillation
from tfwatch.analysis.detectors.plateau import detect_plateau, replay_early_stopping
from tfwatch.analysis.detectors.writers import detect_too_frequent, detect_two_writers
from tfwatch.analysis.protocols import RunLike

Detector = Callable[[RunLike, HealthConfig, float], list[Alert]]

#: Built-in detectors by name, in the order they run (liveness needs the run state and
#: is called separately by :func:`tfwatch.analysis.health.run_health`).
BUILTIN_DETECTORS: dict[str, Detector] = {
    "nan": detect_nan,
    "diverging": detect_diverging,
    "exploding_grad": detect_exploding_grad,
    "plateau": detect_plateau,
    "oscillating": detect_oscillating,
    "frozen": detect_frozen,
    "two_writers": detect_two_writers,
    "too_frequent": detect_too_frequent,
}

__all__ = [
    "BUILTIN_DETECTORS",
    "Detector",
    "detect_liveness",
    "find_divergence",
    "find_gradient_jump",
    "frozen_since",
    "measure_oscillation",
    "replay_early_stopping",
]
