"""Cold and warm loads: tfwatch with and without its local cache, beside TensorBoard's
Rust data server (which has no cache: each start reads everything), on the same files.

    python bench/cache.py                          # 16 runs x 10 tags x 5,000 steps (800 k events)
    python bench/cache.py --runs 1000 --steps 100  # many short runs (1 M events)
    python bench/cache.py --runs 200 --steps 5000 --repeat 3   # the full 10 M events
    python bench/cache.py --runs 10000 --tags 10 --steps 100   # 10,000 runs (10 M events)

Rows: the load inside a Python process (timed from before ``import tfwatch``) cold
(``--no-cache``) and warm (the cache filled by an earlier load, nothing appended since),
and ``tfwatch ls`` end to end, cold and warm. The cache lives in a temporary
``XDG_CACHE_HOME``. Loaders take turns ``--repeat`` times; medians are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_logdir import generate
from load import run_command, run_data_server, run_python

LOAD = """
import sys, time
t = time.perf_counter()
from tfwatch.loading import load_once
{cache}
tailer = load_once([sys.argv[1]], cache=cache)
events = sum(r.events for r in tailer.runs.values())
print(f"RESULT {{time.perf_counter() - t:.3f}} {{events}}")
"""
COLD = LOAD.format(cache="cache = None")
WARM = LOAD.format(cache="from tfwatch.cache.run_cache import RunCache\ncache = RunCache()")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--tags", type=int, default=10)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = ap.parse_args()
    logdir = generate(args.out, args.runs, args.tags, args.steps)
    os.system(f"cat $(find {logdir} -type f) > /dev/null")  # warm the page cache
    events = args.runs * args.tags * args.steps
    with tempfile.TemporaryDirectory(prefix="tfwatch-bench-cache-") as xdg:
        os.environ["XDG_CACHE_HOME"] = xdg
        tfwatch = [sys.executable, "-m", "tfwatch", "ls", logdir]
        run_command(tfwatch)  # fill the cache
        rows: dict[str, list[tuple[float, int]]] = {}

        def add(label: str, result: tuple[float, int, int] | None) -> None:
            if result is not None:
                rows.setdefault(label, []).append((result[0], result[2]))

        for _ in range(args.repeat):
            add("tfwatch load, cold (no cache)", run_python(COLD, logdir))
            add("tfwatch load, warm (cache)", run_python(WARM, logdir))
            add("`tfwatch ls` end to end, cold", run_command([*tfwatch, "--no-cache"]))
            add("`tfwatch ls` end to end, warm", run_command(tfwatch))
            add("tensorboard-data-server (Rust), every start", run_data_server(logdir, False))
    print(f"{args.runs} runs x {args.tags} tags x {args.steps} steps = {events:,} events")
    print(f"| loader | wall s (median of {args.repeat}) | peak RSS |")
    print("|---|--:|--:|")
    for label, samples in rows.items():
        wall = statistics.median(s for s, _ in samples)
        rss = statistics.median(r for _, r in samples)
        print(f"| {label} | {wall:.3f} | {rss / 1e6:.0f} MB |")


if __name__ == "__main__":
    main()
