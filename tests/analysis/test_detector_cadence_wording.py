"""The stalled alert says a sub-second cadence as it is, not ``usually every 0s``."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, event_file, run_with, series

from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.liveness import detect_liveness


def test_stalled_alert_of_a_fast_writer_says_its_cadence() -> None:
    steps = np.arange(0, 200)
    walls = T0 + 0.5 * steps  # two steps a second
    run = run_with("r", series("loss", steps, np.linspace(2, 1, 200), walls))
    path = "/logs/r/events.out.tfevents.1700000000.host-a.4242.0"
    run.files = {path: event_file(path, first_seen=T0 + 1, last_growth=T0 + 100)}
    run.last_growth = T0 + 100
    [alert] = detect_liveness(run, HealthConfig(), now=T0 + 100 + 700)
    assert alert.kind == "stalled"
    assert "no new events for 12m (usually every 0.5s) at step 199" in alert.message
