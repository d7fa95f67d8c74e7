"""Soak: many writer processes append scalars at different rates while one Tailer tails
them; at the end every writer's exact points are compared with what tfwatch holds.

    python bench/soak.py --writers 50 --minutes 5

Each writer is a process with a real tensorboardX ``SummaryWriter`` (``flush_secs=1``)
writing ``loss`` at its own rate (and ``lr`` every tenth step). A point's value encodes
its writer and step (``writer * 2**17 + step``, exact in float32), so a point held under
the wrong run, a lost point and a repeated one all show. The tailer runs as the app runs
it (bounded store unless ``--retain-all``) and polls every ``--interval`` seconds, while
this process's CPU and RSS are sampled. Prints a JSON summary; exit status 1 on any
lost, duplicated or misattributed point.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import psutil
from tensorboardX import SummaryWriter

from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

STEP_BITS = 17  # steps below 2**17 per writer keep every value exact in float32
TICK = 0.05  # writers write in small bursts this often


def rate_of(writer: int, writers: int, low: float, high: float) -> float:
    """Points per second of one writer: spread evenly from ``low`` to ``high``."""
    return low + (high - low) * writer / max(1, writers - 1)


def value_of(writer: int, step: int) -> float:
    """The value writer ``writer`` logs at ``step`` (decodes back to both)."""
    return float((writer << STEP_BITS) + step)


def write_run(logdir: str, writer: int, rate: float, stop: Any, counts: Any) -> None:
    """One writer process: append at ``rate`` points/s until ``stop`` is set."""
    w = SummaryWriter(os.path.join(logdir, f"w{writer:02d}"), flush_secs=1)
    step, started = 0, time.monotonic()
    limit = 1 << STEP_BITS
    while not stop.is_set() and step < limit:
        due = min(limit, int((time.monotonic() - started) * rate) + 1)
        while step < due:
            w.add_scalar("loss", value_of(writer, step), step)
            if step % 10 == 0:
                w.add_scalar("lr", value_of(writer, step), step)
            step += 1
        time.sleep(TICK)
    w.close()
    counts[writer] = step


def verify(tailer: Tailer, counts: dict[int, int], retain_all: bool) -> dict[str, int]:
    """Compare every writer's points with the store: lost, duplicated, misattributed."""
    lost = duplicated = misattributed = checked = 0
    for writer, n in counts.items():
        run = tailer.runs.get(f"w{writer:02d}")
        if run is None or "loss" not in run.scalars:
            lost += n
            continue
        series = run.scalars["loss"]
        held = series.count
        lost += max(0, n - held)
        duplicated += max(0, held - n)
        # Exact aggregates cover every point written, even those thinned for plotting.
        ends = (series.first_step, series.last_step, series.min_value, series.max_value)
        if ends != (0, n - 1, value_of(writer, 0), value_of(writer, n - 1)):
            misattributed += 1
        for arrays in (series.recent(), series.overview()):
            for s, v in zip(arrays.steps.tolist(), arrays.values.tolist(), strict=True):
                checked += 1
                if v == v and v != value_of(writer, s):  # NaN: an empty bucket's filler
                    misattributed += 1
        recent = series.recent().steps.tolist()
        if recent != list(range(n - len(recent), n)):
            lost += 1  # a gap or a repeat in the full-resolution window
        if retain_all and recent != list(range(n)):
            lost += 1
    return {"lost": lost, "duplicated": duplicated, "misattributed": misattributed,
            "points_compared": checked}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--writers", type=int, default=50)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--interval", type=float, default=1.0, help="poll interval (s)")
    ap.add_argument("--low", type=float, default=2.0, help="slowest writer, points/s")
    ap.add_argument("--high", type=float, default=200.0, help="fastest writer, points/s")
    ap.add_argument("--sample", type=float, default=10.0, help="CPU/RSS sample period (s)")
    ap.add_argument("--retain-all", action="store_true", help="keep every point (exact lists)")
    ap.add_argument("--json", metavar="FILE", help="also write the summary here")
    args = ap.parse_args()
    ctx = mp.get_context("fork")  # writers share the imported modules' pages
    me = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="tfwatch-soak-") as logdir:
        stop, manager = ctx.Event(), ctx.Manager()
        counts = manager.dict()
        procs = [
            ctx.Process(target=write_run, daemon=True,
                        args=(logdir, i, rate_of(i, args.writers, args.low, args.high), stop,
                              counts))
            for i in range(args.writers)
        ]  # fmt: skip
        for p in procs:
            p.start()
        tailer = Tailer([("soak", LocalSource(logdir))], RunFactory(args.retain_all))
        samples: list[dict[str, float]] = []
        poll_times: list[float] = []
        started = time.monotonic()
        end = started + args.minutes * 60
        next_sample = started
        me.cpu_percent()
        cpu_start = me.cpu_times()
        while time.monotonic() < end:
            t = time.perf_counter()
            tailer.poll()
            poll_times.append(time.perf_counter() - t)
            now = time.monotonic()
            if now >= next_sample:
                with tailer.lock:
                    held = sum(r.points for r in tailer.runs.values())
                samples.append({
                    "t_s": round(now - started, 1),
                    "rss_mib": round(me.memory_info().rss / 2**20, 1),
                    "cpu_pct": me.cpu_percent(),
                    "points_held": held,
                    "runs": len(tailer.runs),
                })  # fmt: skip
                print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
                next_sample += args.sample
            time.sleep(max(0.0, args.interval - (time.perf_counter() - t)))
        stop.set()
        for p in procs:
            p.join(timeout=60)
        tailer.poll(final=True)
        cpu = me.cpu_times()
        written = dict(counts)
        manager.shutdown()
    elapsed = time.monotonic() - started
    result = verify(tailer, written, args.retain_all)
    summary = {
        "writers": args.writers,
        "minutes": round(elapsed / 60, 2),
        "rates_pts_per_s": [args.low, args.high],
        "points_written": sum(written.values()),
        "points_counted": sum(r.scalars["loss"].count for r in tailer.runs.values()),
        "lr_points_counted": sum(r.scalars["lr"].count for r in tailer.runs.values()),
        **result,
        "damage": sum(len(r.damage) for r in tailer.runs.values()),
        "polls": len(poll_times),
        "poll_ms_median": round(statistics.median(poll_times) * 1000, 2),
        "poll_ms_max": round(max(poll_times) * 1000, 2),
        "tailer_cpu_pct_mean": round(
            100 * (cpu.user + cpu.system - cpu_start.user - cpu_start.system) / elapsed, 2
        ),
        "rss_mib_first_last_max": [
            samples[0]["rss_mib"],
            samples[-1]["rss_mib"],
            max(s["rss_mib"] for s in samples),
        ],
        "samples": samples,
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    bad = result["lost"] or result["duplicated"] or result["misattributed"]
    missing = len(written) != args.writers
    return 1 if bad or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
