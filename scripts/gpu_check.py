#!/usr/bin/env python3
"""Exercise the real NVML path and print what it read.

Run it on a machine with an NVIDIA GPU to check tfwatch's GPU readings against
``nvidia-smi``; without a driver it prints the message the panel shows and exits 0.

    python scripts/gpu_check.py [--samples N] [--interval SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.system.gpu_readings import GpuSample
from tfwatch.system.nvml_adapter import NvmlAdapter
from tfwatch.system.processes import describe_process

NA = "N/A"
GIB = float(1 << 30)


def fmt(value: float | None, spec: str = ".0f", unit: str = "") -> str:
    return NA if value is None else f"{value:{spec}}{unit}"


def show(sample: GpuSample, took_ms: float) -> None:
    print(f"sample at {time.strftime('%H:%M:%S')} ({took_ms:.1f} ms)")
    if not sample.available:
        print(f"  {sample.message}")
        return
    print(f"  driver {sample.driver_version or NA}, {len(sample.devices)} GPU(s)")
    for d in sample.devices:
        if d.error:
            print(f"  GPU{d.index}: {d.error}")
            continue
        used = fmt(d.memory_used and d.memory_used / GIB, ".1f")
        total = fmt(d.memory_total and d.memory_total / GIB, ".1f")
        print(
            f"  GPU{d.index}: {d.name or NA} [{d.uuid or NA}]\n"
            f"    util {fmt(d.util_percent, '.0f', '%')}  mem {used}/{total} GiB"
            f" ({fmt(d.memory_percent, '.0f', '%')})  temp {fmt(d.temperature_c, '.0f', '°C')}"
            f"  power {fmt(d.power_w, '.0f')}/{fmt(d.power_limit_w, '.0f')} W"
        )
    if not sample.processes:
        print("  no processes on the GPUs")
    for p in sample.processes:
        info = describe_process(p.pid)
        mem = fmt(p.used_memory and p.used_memory / GIB, ".2f", " GiB")
        who = f"{info.user} {info.command[:60]}" if info else "(not visible from here)"
        print(
            f"  GPU{p.gpu_index} pid {p.pid} {p.kind}: mem {mem} sm {fmt(p.sm_util, '.0f', '%')}"
            f"  {who}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3, help="how many samples (default 3)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    args = parser.parse_args(argv)
    adapter = NvmlAdapter()
    try:
        for i in range(max(1, args.samples)):
            if i:
                time.sleep(args.interval)
            started = time.perf_counter()
            sample = adapter.sample()
            show(sample, (time.perf_counter() - started) * 1000.0)
            if not sample.available:
                break  # the reason does not change between samples
    finally:
        adapter.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
