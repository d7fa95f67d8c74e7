"""A long fuzz campaign over the record reader and decoder, seeded with real event files.

    python bench/fuzz_long.py --minutes 10 [--seed 1] [--crashes DIR]

Each input is a seed file from every writer the tests use (``tests/fixtures/writers``)
with one to four random edits: bit flips, deleted, inserted and repeated byte ranges,
torn records (a write cut short with more records after it), headers claiming absurd
lengths (up to 2**64 - 1, with a valid length CRC), deeply nested protobufs in valid
frames, and swapped records. For each input:

* framing and decoding never raise, and a per-input alarm catches hangs;
* a one-shot read consumes every byte (nothing left pending);
* every record the edits did not touch is recovered, in order;
* reading the bytes in two pieces (a live tail, then the rest) yields the same records
  as reading them at once.

Failing inputs are written to ``--crashes``; the summary (inputs run, failures by
kind, peak RSS) is printed as JSON and the exit status is 1 when anything failed. The
quick property tests in ``tests/hardening`` run the same ideas for seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from types import FrameType

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.tfrecord.crc32c import crc32c, mask
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.model.decoded_batch import DecodedBatch

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "writers"
HANG_SECONDS = 10


class Hang(Exception):
    """An input took longer than :data:`HANG_SECONDS`."""


def spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each record of a clean file."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append((pos, pos + 16 + n))
        pos += 16 + n
    return out


def framed(payload: bytes) -> bytes:
    """``payload`` in a well-formed record."""
    length = struct.pack("<Q", len(payload))
    crc = struct.pack("<I", mask(crc32c(length)))
    return length + crc + payload + struct.pack("<I", mask(crc32c(payload)))


def deep_event(depth: int) -> bytes:
    """An Event whose summary nests ``depth`` length-delimited fields."""
    inner = b""
    for _ in range(depth):
        inner = b"\x0a" + _varint(len(inner)) + inner
    return b"\x09" + struct.pack("<d", 1.0) + b"\x2a" + _varint(len(inner)) + inner


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def mutate(rng: random.Random, seed: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """A damaged copy of ``seed`` and the ranges of ``seed`` that the edits touched.

    Edits are applied from the end of the file backwards and never overlap, so every
    offset not yet edited still means the same byte of ``seed``.
    """
    recs = spans(seed)
    edits = []
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(["flip", "delete", "insert", "repeat", "torn", "absurd", "deep", "swap"])
        edits.append((op, rng.randrange(len(seed)), rng.randint(1, 80)))
    data = bytearray(seed)
    hit: list[tuple[int, int]] = []
    floor = len(seed)  # everything at or after this offset was edited already
    for op, p, n in sorted(edits, key=lambda e: -e[1]):
        a, b = next(((a, b) for a, b in recs if a <= p < b), recs[-1])
        if op == "swap":
            pairs = [i for i in range(len(recs) - 1) if recs[i + 1][1] <= floor]
            if not pairs:
                continue
            i = rng.choice(pairs)
            (a, b), (c, d) = recs[i], recs[i + 1]
            data[a:d] = seed[c:d] + seed[a:b]
            hit.append((a, d))  # both moved: order is not expected of them
            floor = a
            continue
        lo, hi = {"delete": (p, p + n), "torn": (p, b), "deep": (a, a)}.get(op, (p, p + 1))
        if hi > floor or (op == "deep" and a >= floor):
            continue
        if op == "flip":
            data[p] ^= 1 << rng.randrange(8)
        elif op == "delete":
            del data[p : p + n]
        elif op == "insert":
            data[p:p] = rng.randbytes(n)
        elif op == "repeat":
            data[p:p] = seed[p : p + n]
        elif op == "torn":
            del data[p:b]  # the write stopped at p; the next record follows
        elif op == "absurd":
            length = struct.pack("<Q", rng.choice([2**63 - 1, 2**64 - 1, 2**40, 2**28 + 1]))
            data[p:p] = length + struct.pack("<I", mask(crc32c(length)))
        elif op == "deep":
            data[a:a] = framed(deep_event(rng.choice([100, 1000, 20000])))
        hit.append((lo, max(hi, lo + 1)))
        floor = lo
    return bytes(data), hit


def records(data: bytes, final: bool = True) -> tuple[list[bytes], int, int]:
    """Framed payloads (decoded too, which must not raise), bytes consumed, pending."""
    f = frame(data, final=final)
    decode_records(data, f.starts, f.lengths, TagPlugins(), DecodedBatch())
    got = [data[s : s + n] for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True)]
    return got, f.consumed, f.pending


def check(rng: random.Random, seed: bytes) -> tuple[str | None, bytes]:
    """Run one input; the failure kind (None when every property held) and the input."""
    data, hit = mutate(rng, seed)
    try:
        got, consumed, pending = records(data)
        if consumed != len(data) or pending:
            return "not_all_consumed", data
        intact = [seed[a + 12 : b - 4] for a, b in spans(seed)
                  if not any(lo < b and a < hi for lo, hi in hit)]  # fmt: skip
        it = iter(got)
        if not all(any(r == g for g in it) for r in intact):
            return "intact_record_lost", data
        cut = rng.randrange(len(data) + 1)
        first, used, _ = records(data[:cut], final=False)
        rest, _, _ = records(data[used:])
        if first + rest != got:
            return "pieces_differ", data
    except Hang:
        return "hang", data
    except Exception:  # every exception is a finding
        traceback.print_exc(limit=3)
        return "exception", data
    return None, data


def _alarm(signum: int, frame_: FrameType | None) -> None:
    raise Hang


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", default=str(FIXTURES), help="directory of seed event files")
    ap.add_argument("--crashes", default=os.path.join(tempfile.gettempdir(), "tfwatch-fuzz"))
    args = ap.parse_args()
    seeds = [p.read_bytes() for p in sorted(Path(args.corpus).rglob("*tfevents*"))]
    seeds = [s for s in seeds if s]
    rng = random.Random(args.seed)
    signal.signal(signal.SIGALRM, _alarm)
    failures: Counter[str] = Counter()
    runs = 0
    started = time.monotonic()
    end = started + args.minutes * 60
    while time.monotonic() < end:
        signal.alarm(HANG_SECONDS)
        kind, data = check(rng, rng.choice(seeds))
        signal.alarm(0)
        runs += 1
        if kind is not None:
            failures[kind] += 1
            os.makedirs(args.crashes, exist_ok=True)
            path = os.path.join(args.crashes, f"{kind}-{runs}.tfevents")
            with open(path, "wb") as f:
                f.write(data)
            print(f"{kind}: {path}", file=sys.stderr)
    elapsed = time.monotonic() - started
    summary = {
        "seeds": len(seeds),
        "inputs": runs,
        "seconds": round(elapsed, 1),
        "inputs_per_s": round(runs / elapsed, 1),
        "failures": dict(failures),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "random_seed": args.seed,
    }
    print(json.dumps(summary, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
