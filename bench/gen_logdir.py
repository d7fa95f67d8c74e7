"""Generate a benchmark logdir of scalar runs with tensorboardX's record writer.

Each run is one event file with ``tags`` scalar tags × ``steps`` steps (simple_value
events, as tensorboardX, PyTorch and TF1 write them). Events are built with
tensorboardX's protos and framed exactly as its ``RecordWriter`` frames them, with the C
CRC32C instead of its pure-Python one (10 M events would otherwise take many minutes to
write). A logdir is reused when one of the same shape already exists.
"""

from __future__ import annotations

import math
import os
import random
from multiprocessing import Pool


def _write_run(args: tuple[str, int, int, int]) -> None:
    import socket
    import struct

    import google_crc32c
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.summary_pb2 import Summary

    def masked(data: bytes) -> bytes:
        crc = google_crc32c.value(data)
        return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)

    def record(payload: bytes) -> bytes:
        length = struct.pack("<Q", len(payload))
        return length + masked(length) + payload + masked(payload)

    run_dir, seed, tags, steps = args
    os.makedirs(run_dir, exist_ok=True)
    rng = random.Random(seed)
    names = [f"metric_{k}/{'loss' if k % 2 == 0 else 'accuracy'}" for k in range(tags)]
    scale = [rng.uniform(0.5, 3.0) for _ in range(tags)]
    base_wall = 1.7e9 + seed
    name = f"events.out.tfevents.{int(base_wall)}.{socket.gethostname()}"
    with open(os.path.join(run_dir, name), "wb") as f:
        head = Event(wall_time=base_wall, file_version="brain.Event:2")
        chunk = [record(head.SerializeToString())]
        for step in range(steps):
            for k, tag in enumerate(names):
                value = scale[k] * math.exp(-step / (steps / 3)) + rng.gauss(0, 0.01)
                ev = Event(
                    wall_time=base_wall + step * 0.1,
                    step=step,
                    summary=Summary(value=[Summary.Value(tag=tag, simple_value=value)]),
                )
                chunk.append(record(ev.SerializeToString()))
            if len(chunk) > 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def generate(root: str, runs: int, tags: int, steps: int, workers: int = 2) -> str:
    """Create (or reuse) ``root/runs{R}_tags{T}_steps{S}``; return its path."""
    logdir = os.path.join(root, f"runs{runs}_tags{tags}_steps{steps}")
    marker = os.path.join(logdir, ".complete")
    if os.path.exists(marker):
        return logdir
    os.makedirs(logdir, exist_ok=True)
    jobs = [(os.path.join(logdir, f"trial_{i:04d}"), i, tags, steps) for i in range(runs)]
    with Pool(workers) as pool:
        pool.map(_write_run, jobs, chunksize=1)
    with open(marker, "w") as f:
        f.write("ok\n")
    return logdir
