"""Cold-load benchmark: tfwatch vs TensorBoard's loaders on the same generated logdir.

    python bench/load.py                       # 200 runs x 10 tags x 5,000 steps = 10 M events
    python bench/load.py --runs 20             # smaller
    python bench/load.py --skip-multiplexer    # the Python loader takes minutes at full size
    python bench/load.py --runs 16 --repeat 5  # 800 k events, medians of 5 alternating runs
    python bench/load.py --runs 16 --repeat 5 --skip-multiplexer --paired 60  # ls vs Rust

Each loader runs in its own process tree; wall time is measured around the load and peak
RSS is sampled over the whole tree (tfwatch's worker processes included). ``tfwatch ls``
is also timed end to end, from starting the process to its exit. With ``--repeat`` the
loaders take turns and the median of each is shown (a shared machine is noisy). The
logdir is kept under ``bench/out/`` and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_logdir import generate

TFWATCH = """
import sys, time
t = time.perf_counter()
from tfwatch.loading import load_once
tailer = load_once([sys.argv[1]])
events = sum(r.events for r in tailer.runs.values())
print(f"RESULT {time.perf_counter() - t:.3f} {events}")
"""

MULTIPLEXER = """
import sys, time
t = time.perf_counter()
from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
mux = pem.EventMultiplexer(size_guidance={"scalars": 0, "tensors": 0})
mux.AddRunsFromDirectory(sys.argv[1])
mux.Reload()
content = mux.PluginRunToTagToContent("scalars")
events = sum(len(mux.Tensors(run, tag)) for run, tags in content.items() for tag in tags)
print(f"RESULT {time.perf_counter() - t:.3f} {events}")
"""


class TreeSampler:
    """Peak RSS of a process and all its descendants, sampled every 10 ms.

    On Linux the tree is followed through ``/proc/<pid>/task/<tid>/children`` and RSS
    read from ``statm``: walking every process with psutil at this rate would take a
    quarter of a core away from the loader being measured."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._pid = pid
        self._proc = psutil.Process(pid)
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        if not os.path.isdir(f"/proc/{self._pid}/task"):
            procs = [self._proc, *self._proc.children(recursive=True)]
            rss = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            return rss
        rss, todo = 0, [self._pid]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{pid}/statm") as f:
                    rss += int(f.read().split()[1]) * self._page
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._tree_rss())
            except psutil.Error:
                return
            time.sleep(0.01)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_python(code: str, logdir: str) -> tuple[float, int, int]:
    """(seconds, events, peak RSS bytes) of a loader script."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, logdir],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sampler = TreeSampler(proc.pid)
    out, _ = proc.communicate()
    peak = sampler.stop()
    m = re.search(r"RESULT ([\d.]+) (\d+)", out)
    if not m:
        raise RuntimeError(f"loader failed: {out!r}")
    return float(m.group(1)), int(m.group(2)), peak


def run_command(argv: list[str]) -> tuple[float, int, int]:
    """(seconds from start to exit, -1, peak RSS bytes) of a command, output discarded."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    if proc.returncode:
        raise RuntimeError(f"{argv[0]} failed: {err!r}")
    return seconds, -1, peak


def run_data_server(logdir: str, checksum: bool) -> tuple[float, int, int] | None:
    """TensorBoard's Rust data server, loading once and keeping every scalar point."""
    try:
        import tensorboard_data_server
    except ImportError:
        return None
    binary = tensorboard_data_server.server_binary()
    if not binary:
        return None
    args = [
        binary,
        "--logdir",
        logdir,
        "--reload",
        "once",
        "--port",
        "0",
        "-v",
        "--samples-per-plugin",
        "scalars=100000000",
        "--die-after-stdin",
    ]
    if checksum:
        args.append("--checksum")
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdout=subprocess.DEVNULL
    )
    sampler = TreeSampler(proc.pid)
    seconds = None
    assert proc.stderr is not None
    for line in proc.stderr:
        m = re.search(r"Finished load cycle \(([\d.]+)(ms|s)\)", line)
        if m:
            seconds = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
            break
    peak = sampler.stop()
    proc.kill()
    proc.wait()
    return (seconds, -1, peak) if seconds is not None else None


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--tags", type=int, default=10)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    ap.add_argument("--skip-multiplexer", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each loader (median shown)")
    ap.add_argument(
        "--paired",
        type=int,
        default=0,
        metavar="N",
        help="then N rounds of `tfwatch ls` and the Rust server taking turns: how often ls "
        "was faster, and the median of the per-round ratios",
    )
    args = ap.parse_args()

    t = time.perf_counter()
    logdir = generate(args.out, args.runs, args.tags, args.steps)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(logdir) for f in fs)
    events = args.runs * args.tags * args.steps
    print(
        f"logdir {logdir}: {events:,} scalar events, {size / 1e6:.0f} MB "
        f"(ready in {time.perf_counter() - t:.1f} s)"
    )
    subprocess.run(
        ["cat", *[os.path.join(d, f) for d, _, fs in os.walk(logdir) for f in fs]],
        stdout=subprocess.DEVNULL,
        check=True,
    )  # warm the page cache

    loaders: dict[str, Callable[[], tuple[float, int, int] | None]] = {
        "tfwatch (all CRCs verified)": lambda: run_python(TFWATCH, logdir),
        "tfwatch ls, end to end": lambda: run_command(
            [sys.executable, "-m", "tfwatch", "ls", logdir]
        ),
        "tensorboard-data-server": lambda: run_data_server(logdir, False),
        "tensorboard-data-server --checksum": lambda: run_data_server(logdir, True),
    }
    if not args.skip_multiplexer:
        loaders["TensorBoard EventMultiplexer"] = lambda: run_python(MULTIPLEXER, logdir)
    runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name in loaders}
    for _ in range(max(1, args.repeat)):
        for name, load in loaders.items():
            got = load()
            if got is not None:
                runs[name].append(got)
    results = {
        name: (
            statistics.median(r[0] for r in got),
            -1,
            max(r[2] for r in got),
        )
        for name, got in runs.items()
        if got
    }
    if args.repeat > 1:
        print(f"medians of {args.repeat} alternating runs; peak RSS is the largest seen")

    base = results["tfwatch (all CRCs verified)"][0]
    print(f"\n{'loader':34} {'wall s':>8} {'events/s':>12} {'peak RSS MB':>12} {'vs tfwatch':>11}")
    for name, (sec, _, peak) in results.items():
        print(
            f"{name:34} {sec:8.2f} {events / sec:12,.0f} {peak / 2**20:12.0f} {sec / base:10.1f}x"
        )
    if args.paired:
        paired_ls(logdir, args.paired)


def paired_ls(logdir: str, rounds: int) -> None:
    """`tfwatch ls` end to end against the Rust server's load, round by round (who goes
    first alternates), so that both see the same moment of a noisy machine."""
    ls_argv = [sys.executable, "-m", "tfwatch", "ls", logdir]
    ratios, ls_times, rust_times = [], [], []
    for k in range(rounds):
        first_ls = k % 2 == 0
        a = run_command(ls_argv) if first_ls else run_data_server(logdir, False)
        b = run_data_server(logdir, False) if first_ls else run_command(ls_argv)
        ls_run, rust = (a, b) if first_ls else (b, a)
        if rust is None:
            print("\npaired rounds: no tensorboard-data-server here")
            return
        ls_times.append(ls_run[0])
        rust_times.append(rust[0])
        ratios.append(ls_run[0] / rust[0])
    faster = sum(r < 1 for r in ratios)
    print(
        f"\npaired, {rounds} rounds: tfwatch ls faster in {faster}; median ls/Rust "
        f"{statistics.median(ratios):.2f} (ls {statistics.median(ls_times):.2f} s, "
        f"Rust server {statistics.median(rust_times):.2f} s)"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
