"""Run-level detectors: stalled / crashed, two writers, logging too frequently."""

from __future__ import annotations

import numpy as np
from analysis_builders import T0, event_file, histogram, histogram_series, run_with, series

from tfwatch.analysis.config import HealthConfig, config_from_dict
from tfwatch.analysis.detectors.liveness import detect_liveness, usual_gap
from tfwatch.analysis.detectors.writers import detect_too_frequent, detect_two_writers
from tfwatch.store.runs import Run

CFG = HealthConfig()
FILE_A = "/logs/r/events.out.tfevents.1700000000.host-a.4242.0"
FILE_B = "/logs/r/events.out.tfevents.1700000100.host-b.777.0"


def live_run(last_growth: float, files: int = 1) -> Run:
    """A run written every 5 s from T0, watched since T0 + 10."""
    steps = np.arange(0, 200)
    walls = T0 + 5.0 * steps
    run = run_with("r", series("loss", steps, np.linspace(2, 1, 200), walls))
    run.files = {
        p: event_file(p, first_seen=T0 + 10, last_growth=last_growth)
        for p in [FILE_A, FILE_B][:files]
    }
    run.last_growth = last_growth
    return run


def test_usual_gap_is_the_cadence_of_events() -> None:
    assert usual_gap(live_run(T0 + 995)) == 5.0


def test_silent_much_longer_than_its_cadence_is_stalled() -> None:
    run = live_run(last_growth=T0 + 995)
    [alert] = detect_liveness(run, CFG, now=T0 + 995 + 700)
    assert (alert.kind, alert.step, alert.tag) == ("stalled", 199, "")
    assert "no new events for 12m (usually every 5s) at step 199" in alert.message


def test_within_the_silence_allowance_it_is_fine() -> None:
    assert detect_liveness(live_run(T0 + 995), CFG, now=T0 + 995 + 300) == []
    cfg = config_from_dict({"detectors": {"stalled": {"min_silence_s": 60}}})
    assert [a.kind for a in detect_liveness(live_run(T0 + 995), cfg, now=T0 + 995 + 300)] == [
        "stalled"
    ]


def test_an_old_run_finished_before_watching_is_never_stalled() -> None:
    run = live_run(last_growth=T0 + 5000)
    for f in run.files.values():
        f.first_seen = T0 + 5000  # discovered long after its last event
    assert detect_liveness(run, CFG, now=T0 + 100_000) == []


def test_the_run_state_decides_when_known() -> None:
    run = live_run(last_growth=T0 + 995)
    [crashed] = detect_liveness(run, CFG, now=T0 + 1000, state="crashed")
    assert crashed.kind == "crashed" and "ended without finishing at step 199" in crashed.message
    [stalled] = detect_liveness(run, CFG, now=T0 + 1000, state="stalled")
    assert stalled.kind == "stalled" and "alive but has stopped writing" in stalled.message
    assert detect_liveness(run, CFG, now=T0 + 99_999, state="finished") == []
    assert detect_liveness(run, CFG, now=T0 + 99_999, state="running") == []
    assert detect_liveness(run, CFG, now=T0 + 99_999, state="unknown") != []


def test_two_files_growing_at_once() -> None:
    run = live_run(last_growth=T0 + 995, files=2)
    [alert] = detect_two_writers(run, CFG, now=T0 + 1000)
    assert alert.kind == "two_writers" and alert.step == -1
    assert "2 event files growing at once" in alert.message
    assert "pid 4242 on host-a" in alert.message and "pid 777 on host-b" in alert.message


def test_one_growing_file_or_only_a_first_read_is_fine() -> None:
    run = live_run(last_growth=T0 + 995, files=2)
    run.files[FILE_A].last_growth = T0 + 100  # the old file stopped: a restart, not two writers
    assert detect_two_writers(run, CFG, now=T0 + 1000) == []
    fresh = live_run(last_growth=T0 + 10.2, files=2)  # both only read once, at discovery
    assert detect_two_writers(fresh, CFG, now=T0 + 11) == []


def test_too_many_scalar_records_per_second_suggests_a_cadence() -> None:
    steps = np.arange(2000)
    walls = T0 + steps * 0.01  # 100 records/s per tag
    tags = [series(f"metric{i}", steps, np.ones(2000), walls) for i in range(20)]
    run = run_with("r", *tags)
    [alert] = detect_too_frequent(run, CFG, now=T0 + 30)
    assert alert.kind == "too_frequent"
    assert "2,000 scalar records/s (limit 500)" in alert.message
    assert "log scalars every 5 steps instead of every 1" in alert.message


def test_histogram_bytes_per_second() -> None:
    w = np.random.default_rng(0).normal(size=5000)
    points = [histogram(s, w + s, wall=T0 + s * 0.005, bins=1000) for s in range(0, 64 * 10, 10)]
    run = run_with("r", histograms={"w": histogram_series("w", points)})
    cfg = config_from_dict({"detectors": {"too_frequent": {"min_span_s": 1}}})
    [alert] = detect_too_frequent(run, cfg, now=T0 + 60)
    assert "KiB/s of histograms (limit 256.0 KiB/s)" in alert.message
    assert "log histograms every" in alert.message and "instead of every 10" in alert.message


def test_modest_logging_and_short_bursts_are_fine() -> None:
    steps = np.arange(500)
    run = run_with("r", series("loss", steps, np.ones(500), T0 + steps * 1.0))
    assert detect_too_frequent(run, CFG, now=T0 + 600) == []
    burst = run_with("r", series("loss", steps, np.ones(500), T0 + steps * 0.001))
    assert detect_too_frequent(burst, CFG, now=T0 + 1) == []  # 0.5 s: below min_span_s
