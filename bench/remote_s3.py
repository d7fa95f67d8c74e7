"""Remote-root benchmark: 1,000 runs on a local S3 server (moto's, as a process).

    python bench/remote_s3.py                   # 1,000 runs x 4 tags x 100 steps
    python bench/remote_s3.py --runs 200 --idle-seconds 5

Prints the time to the first full table (every run listed and read), the HTTP requests
the cold load and each idle poll sent (counted on the S3 client, so they are what a bill
would count), and the CPU tfwatch used while idle (server excluded: it is another
process). Idle polls are measured twice: every poll listing the bucket, and with the
default backoff of unchanged roots.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.ingest.sources.remote import RemoteSource, RemoteTuning
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

OPTIONS = {"key": "bench", "secret": "bench"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start_moto(port: int) -> subprocess.Popen[bytes]:
    moto = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto_server did not start")


def _event_files(variants: int, tags: int, steps: int) -> list[bytes]:
    """A few distinct event files written by TensorBoard's own writer."""
    from tensorboard.summary import Writer

    out: list[bytes] = []
    with tempfile.TemporaryDirectory() as d:
        for v in range(variants):
            w = Writer(os.path.join(d, str(v)))
            for step in range(steps):
                for t in range(tags):
                    w.add_scalar(f"metric_{t}", (v + 1) / (step + 1) + t, step)
            w.close()
            (path,) = Path(d, str(v)).glob("*tfevents*")
            out.append(path.read_bytes())
    return out


class _CountingS3:
    """An s3fs filesystem whose every HTTP request is counted, by operation."""

    def __init__(self, endpoint: str) -> None:
        import s3fs

        self.fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True, **OPTIONS)
        self.fs.connect()
        self.counts: dict[str, int] = {}
        self.fs.s3.meta.events.register("before-call.s3", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.counts[model.name] = self.counts.get(model.name, 0) + 1

    def take(self) -> dict[str, int]:
        counts, self.counts = self.counts, {}
        return counts


def _idle(tailer: Tailer, s3: _CountingS3, seconds: float, interval: float) -> tuple[float, float]:
    """Poll an unchanged root for ``seconds``: requests per poll and CPU percent."""
    s3.take()
    polls = 0
    cpu0, wall0 = time.process_time(), time.monotonic()
    while time.monotonic() - wall0 < seconds:
        started = time.monotonic()
        tailer.poll()
        polls += 1
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return sum(s3.take().values()) / polls, 100.0 * cpu / wall


def main() -> None:
    """Run the benchmark and print one line per figure."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--tags", type=int, default=4)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--idle-seconds", type=float, default=10.0)
    p.add_argument("--interval", type=float, default=1.0)
    args = p.parse_args()

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = _start_moto(port)
    try:
        files = _event_files(8, args.tags, args.steps)
        setup = _CountingS3(endpoint)
        setup.fs.mkdir("bench")
        objects = {
            f"bench/logs/sweep/run{i:04d}/events.out.tfevents.{1700000000 + i}.node{i % 16}":
            files[i % len(files)]
            for i in range(args.runs)
        }  # fmt: skip
        setup.fs.pipe(objects)
        total_bytes = sum(len(b) for b in objects.values())
        print(f"{args.runs} runs, {total_bytes / 1e6:.1f} MB on a local S3 server (moto)")

        for label, tuning in (
            ("every poll lists", RemoteTuning(idle_polls=10**9)),
            ("default backoff", RemoteTuning()),
        ):
            s3 = _CountingS3(endpoint)
            source = RemoteSource("s3://bench/logs", "bench/logs", lambda s3=s3: s3.fs, "s3",
                                  tuning=tuning)  # fmt: skip
            tailer = Tailer([("bench", source)], RunFactory())
            started = time.perf_counter()
            tailer.poll()
            cold = time.perf_counter() - started
            cold_requests = s3.take()
            assert len(tailer.runs) == args.runs, len(tailer.runs)
            per_poll, cpu = _idle(tailer, s3, args.idle_seconds, args.interval)
            print(f"[{label}]")
            print(f"  first full table: {cold:.2f} s  requests: {cold_requests}")
            print(
                f"  idle: {per_poll:.2f} requests/poll over {args.idle_seconds:g} s "
                f"at {args.interval:g} s interval, CPU {cpu:.1f}% of one core"
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
