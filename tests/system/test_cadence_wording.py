"""Sub-second cadences in words: a real writer logging 5 steps a second, then silent."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.system.writers import WriterFactory
from tfwatch.live.run_inputs import run_progress
from tfwatch.loading import load_once
from tfwatch.model.run_states import StateThresholds
from tfwatch.system.linkage import RunFiles, RunLinker
from tfwatch.system.processes import scan_processes
from tfwatch.system.state_tracker import RunStateTracker
from tfwatch.text.durations import format_duration


def test_durations_under_a_second_keep_their_size() -> None:
    assert format_duration(0.5) == "0.5s"
    assert format_duration(0.2) == "0.2s"
    assert format_duration(0.05) == "50ms"
    assert format_duration(0.0004) == "1ms"
    assert format_duration(0.0) == "0s"
    assert format_duration(1.4) == "1s"
    assert format_duration(45) == "45s"
    assert format_duration(12 * 60) == "12m"
    assert format_duration(3 * 3600 + 5 * 60) == "3h05m"
    assert format_duration(2 * 86400 + 4 * 3600) == "2d04h"
    assert format_duration(float("nan")) == "-"
    assert format_duration(-2.0) == "0s"  # clocks a little apart


def test_a_fast_writer_gone_quiet_says_its_sub_second_cadence(
    tmp_path: Path, writers: WriterFactory
) -> None:
    w = writers.spawn("tbx", tmp_path / "run")
    for _ in range(8):
        w.write(1)
        time.sleep(0.2)
    progress = run_progress(load_once([str(w.logdir)]).runs["."])
    assert progress.cadence is not None and 0.15 < progress.cadence < 0.9
    time.sleep(1.4)  # silent past the (scaled down) stall threshold, still alive
    tracker = RunStateTracker(StateThresholds(stall_floor_s=1.2, exit_grace_s=0.2))
    table = scan_processes()
    links = RunLinker().link([RunFiles("r", str(w.logdir), tuple(w.event_files()))], table)
    state = tracker.update(links, {"r": progress}, table.time)["r"]
    assert (state.state, state.pid) == ("stalled", w.pid)
    usual = re.search(r"usually every (\S+)", state.reason)
    assert usual is not None and usual.group(1) == format_duration(progress.cadence)
    assert re.fullmatch(r"0\.\ds", usual.group(1)), state.reason
