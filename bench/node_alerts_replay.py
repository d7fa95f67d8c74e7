"""False alarms and detection delays of the node alert rules (node_down, gpu_idle,
no_progress) over realistic traces (tests/live/node_traces.py): healthy runs with
evaluation and checkpoint pauses and a flaky link, and runs with each fault.

    python bench/node_alerts_replay.py [--runs 40] [--hours 24]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live.node_traces import Trace, observations
from tfwatch.live.node_alerts import NodeAlertRules
from tfwatch.model.nodes import NodeReading, NodeSource


def onsets(trace: Trace, seed: int) -> dict[str, list[float]]:
    """Times each kind was raised (a kind holding over consecutive polls counts once)."""
    rules = NodeAlertRules(trace.poll_s)
    holding: set[str] = set()
    out: dict[str, list[float]] = {}
    for t, seen, up in observations(trace, seed):
        rules.nodes_seen([NodeReading("gpu-a", NodeSource.SSH, up=up)], t)
        now = {kind for kind, _ in rules.observe(seen, t)}
        for kind in now - holding:
            out.setdefault(kind, []).append(t)
        holding = now
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args()
    seconds = args.hours * 3600.0
    cases = {
        "healthy (eval 150 s / 15 min, ckpt 90 s / h)": Trace(seconds=seconds),
        "healthy, long eval 270 s / 30 min": Trace(
            seconds=seconds, eval_every=1800.0, eval_s=270.0
        ),
        "healthy, 5 % of polls lost": Trace(seconds=seconds, lost_poll=0.05),
        "healthy, 20 % of polls lost": Trace(seconds=seconds, lost_poll=0.20),
    }
    started = time.perf_counter()
    print(f"{args.runs} runs x {args.hours:g} h, one poll every 2 s")
    for label, trace in cases.items():
        counts: dict[str, int] = {}
        for seed in range(args.runs):
            for kind, times in onsets(trace, seed).items():
                counts[kind] = counts.get(kind, 0) + len(times)
        print(f"  {label}: false alarms {counts or 'none'}")
    faults = {
        "gpu_idle": Trace(seconds=4 * 3600.0, starved=(7200.0, 9000.0)),
        "no_progress": Trace(seconds=4 * 3600.0, stuck=(7200.0, 9000.0)),
        "node_down": Trace(seconds=4 * 3600.0, down=(7200.0, 9000.0)),
    }
    for kind, trace in faults.items():
        delays = []
        for seed in range(args.runs):
            times = [t for t in onsets(trace, seed).get(kind, []) if t >= 7200.0]
            delays.append(times[0] - 7200.0 if times else float("inf"))
        caught = sum(d != float("inf") for d in delays)
        print(
            f"  fault {kind}: caught {caught}/{args.runs}, delay "
            f"{min(delays):.0f}-{max(delays):.0f} s after onset"
        )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
