#!/usr/bin/env python3
"""Time a full scan of every process's open files (the linkage's costly step).

Prints the process count and the median / worst time of tfwatch's scan (``/proc`` read
directly on Linux) next to the same scan through ``psutil.Process.open_files()``.
Optionally starts idle processes (bash, then sleep) each holding event-like files open,
to see how the cost grows with the process count.

    python bench/process_scan.py [--repeat 10] [--extra 0] [--fds-per-process 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.system.processes import scan_processes

# A light idle process holding N event-like files open: bash allocates the descriptors,
# then execs sleep, which inherits them.
HOLDER = (
    'for i in $(seq "$2"); do exec {fd}>"$1/events.out.tfevents.$i.bench"; done; '
    "echo ready; exec sleep 3600"
)


def timed(repeat: int, use_proc: bool) -> tuple[list[float], int, int]:
    times, count, held = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        table = scan_processes(use_proc=use_proc)
        times.append((time.perf_counter() - started) * 1000.0)
        count = len(table.processes)
        held = sum(len(p.open_event_files) for p in table.processes.values())
    return times, count, held


def report(label: str, times: list[float], count: int) -> None:
    per = statistics.median(times) / max(1, count) * 1000.0
    print(
        f"{label:<28} {count:>5} processes  median {statistics.median(times):7.1f} ms"
        f"  max {max(times):7.1f} ms  ({per:.0f} µs/process)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--extra", type=int, default=0, help="idle processes to add")
    parser.add_argument("--fds-per-process", type=int, default=20)
    args = parser.parse_args()
    holders: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for i in range(args.extra):
                d = Path(tmp) / f"p{i}"
                d.mkdir()
                cmd = ["bash", "-c", HOLDER, "holder", str(d), str(args.fds_per_process)]
                holders.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
            for h in holders:
                assert h.stdout is not None and h.stdout.readline().strip() == "ready"
            linux = sys.platform.startswith("linux")
            if linux:
                times, count, held = timed(args.repeat, use_proc=True)
                report("tfwatch (/proc fast path)", times, count)
            times, count, held = timed(args.repeat, use_proc=False)
            report("psutil open_files()", times, count)
            print(f"event files held open right now: {held}")
        finally:
            for h in holders:
                h.kill()
                h.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
