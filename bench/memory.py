"""Resident memory of the store at 10,000 runs × 10 tags, with the memory budget.

Usage: ``python bench/memory.py [--runs 10000] [--tags 10] [--steps 1000] [--no-budget]``.
Builds the runs in memory through the store's own write path (``ScalarSeries.extend``, in
batches as the reader hands them over), calling ``fit_memory`` every 500 runs as the live
session does after each poll, and prints the process's RSS. The budget (README): ≤ 1.5 GB
at 10,000 runs × 10 tags. ``--no-budget`` keeps every series at the full window, for the
comparison (about 5.5 GB at the full size: mind the machine's memory).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.store import memory_budget
from tfwatch.store.memory_budget import fit_memory
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries

BATCH = 250  # points per write, as a poll of a live run hands them over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--no-budget", action="store_true")
    args = parser.parse_args()
    if args.no_budget:
        memory_budget.ARRAY_BUDGET_BYTES = 1 << 62
    process = psutil.Process()
    base = process.memory_info().rss
    rng = np.random.default_rng(0)
    steps = np.arange(args.steps, dtype=np.int64)
    walls = 1.7e9 + steps.astype(np.float64)
    runs: dict[str, Run] = {}
    started = time.perf_counter()
    for r in range(args.runs):
        run = runs[f"run{r:05d}"] = Run(name=f"run{r:05d}", root="", path=f"/logs/run{r:05d}")
        for t in range(args.tags):
            series = run.scalars[f"tag{t}"] = ScalarSeries(f"tag{t}")
            values = rng.random(args.steps)
            for a in range(0, args.steps, BATCH):
                series.extend(steps[a : a + BATCH], values[a : a + BATCH], walls[a : a + BATCH])
        if (r + 1) % 500 == 0:
            fit_memory(runs)
    limits = fit_memory(runs)
    rss = process.memory_info().rss
    series = args.runs * args.tags
    print(
        f"{args.runs} runs × {args.tags} tags × {args.steps} steps "
        f"({'no budget' if args.no_budget else 'budget'}): built in "
        f"{time.perf_counter() - started:.1f} s; window {limits.recent} points, "
        f"{limits.buckets} buckets; RSS {rss / 1e9:.2f} GB "
        f"(store {(rss - base) / 1e9:.2f} GB, {(rss - base) / series / 1e3:.1f} kB a series)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
