"""Rescan cost: an idle poll over a tree of many runs (nothing changed) and a poll after
a few runs grew.

    python bench/rescan.py --runs 1000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tensorboardX import SummaryWriter

from tfwatch.loading import make_tailer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--polls", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        writers = []
        for i in range(args.runs):
            # Nested like a real sweep: group/trial/{train,val}.
            w = SummaryWriter(os.path.join(root, f"group{i % 10}", f"trial{i:04d}"))
            for step in range(20):
                w.add_scalar("loss", 1.0 / (step + 1), step)
            w.flush()
            writers.append(w)
        tailer = make_tailer([root])
        t = time.perf_counter()
        tailer.poll()
        cold = time.perf_counter() - t
        idle = []
        for _ in range(args.polls):
            t = time.perf_counter()
            tailer.poll()
            idle.append(time.perf_counter() - t)
        for w in writers[:10]:
            w.add_scalar("loss", 0.01, 100)
            w.flush()
        time.sleep(0.2)
        t = time.perf_counter()
        result = tailer.poll()
        grown = time.perf_counter() - t
        for w in writers:
            w.close()
        print(
            f"{args.runs} runs: first poll {cold * 1000:.0f} ms; idle poll median "
            f"{statistics.median(idle) * 1000:.1f} ms (max {max(idle) * 1000:.1f} ms); "
            f"poll after 10 runs grew {grown * 1000:.1f} ms ({len(result.changed)} changed)"
        )


if __name__ == "__main__":
    main()
