"""Fuzzing the reader with seeds from every writer the tests use (the checked-in
fixtures of TF2, Keras, TF1, PyTorch, tensorboardX and TensorBoard's writer).

``tests/ingest/test_fuzz_reader.py`` covers bit flips, junk, truncation and reordering
on two writers' files; this adds every writer's encoding, torn records (a write cut
short, then more appended: what a full disk or a killed writer leaves), deleted and
duplicated byte ranges, and the tailer reading damaged files in arbitrary pieces.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.writers import record_spans
from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.model.decoded_batch import DecodedBatch
from tfwatch.store.runs import RunFactory

FIXTURES = Path(__file__).parent.parent / "fixtures" / "writers"
#: Seeds: every fixture event file under 100 kB (the torch one with images is skipped).
SEEDS = [
    p.read_bytes() for p in sorted(FIXTURES.rglob("*tfevents*")) if 0 < p.stat().st_size < 100_000
]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _payloads(data: bytes) -> list[bytes]:
    return [data[a + 12 : b - 4] for a, b in record_spans(data)]


def _framed(data: bytes, final: bool = True) -> list[bytes]:
    f = frame(data, final=final)
    decode_records(data, f.starts, f.lengths, TagPlugins(), DecodedBatch())  # never raises
    if final:
        assert f.consumed == len(data) and f.pending == 0
    return [data[s : s + n] for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True)]


def _is_subsequence(needles: list[bytes], hay: list[bytes]) -> bool:
    it = iter(hay)
    return all(any(n == h for h in it) for n in needles)


def test_seeds_cover_every_writer() -> None:
    assert len(SEEDS) >= 15
    for seed in SEEDS:
        assert _framed(seed) == _payloads(seed)


@FUZZ
@given(which=st.integers(0, 10**6), at=st.integers(0, 10**6), keep=st.integers(0, 10**6))
def test_a_torn_record_loses_only_itself(which: int, at: int, keep: int) -> None:
    seed = SEEDS[which % len(SEEDS)]
    spans = record_spans(seed)
    k = at % len(spans)
    a, b = spans[k]
    cut = a + keep % (b - a)  # the write stopped here; the next records follow
    data = seed[:cut] + seed[b:]
    expected = [p for i, p in enumerate(_payloads(seed)) if i != k]
    assert _framed(data) == expected
    # Tailing (more bytes may come) must not sit on the torn record either, once the
    # records after it are whole.
    live = _framed(data, final=False)
    assert live == expected[: len(live)] and len(live) >= len(expected) - 1


@FUZZ
@given(
    which=st.integers(0, 10**6),
    edits=st.lists(
        st.tuples(st.sampled_from(["flip", "delete", "insert", "repeat"]),
                  st.integers(0, 10**6), st.integers(1, 64)),
        min_size=1, max_size=4,
    ),
)  # fmt: skip
def test_random_edits_keep_every_untouched_record(
    which: int, edits: list[tuple[str, int, int]]
) -> None:
    seed = SEEDS[which % len(SEEDS)]
    spans = record_spans(seed)
    data = bytearray(seed)
    # Positions are in the original file's coordinates: apply edits from the end, and
    # never one over another, so an offset not yet edited still means the seed's byte.
    hit: list[tuple[int, int]] = []
    floor = len(seed)
    for op, pos, n in sorted(edits, key=lambda e: -(e[1] % len(seed))):
        p = pos % len(seed)
        if p + (n if op == "delete" else 1) > floor:
            continue
        floor = p
        if op == "flip":
            data[p] ^= 1 << (n % 8)
            hit.append((p, p + 1))
        elif op == "delete":
            del data[p : p + n]
            hit.append((p, p + n))
        elif op == "insert":
            data[p:p] = os.urandom(n)
            hit.append((p, p + 1))
        else:
            data[p:p] = seed[p : p + n]
            hit.append((p, p + 1))
    intact = [
        seed[a + 12 : b - 4] for a, b in spans if not any(lo < b and a < hi for lo, hi in hit)
    ]
    assert _is_subsequence(intact, _framed(bytes(data)))


@settings(max_examples=20, deadline=None)
@given(
    which=st.integers(0, 10**6),
    flips=st.lists(st.integers(0, 10**6), max_size=3),
    cuts=st.lists(st.integers(0, 10**6), max_size=8),
)
def test_tailing_damaged_files_in_pieces_equals_one_read(
    which: int, flips: list[int], cuts: list[int]
) -> None:
    seed = bytearray(SEEDS[which % len(SEEDS)])
    for f in flips:
        seed[f % len(seed)] ^= 0x10
    data = bytes(seed)
    with tempfile.TemporaryDirectory() as d:
        whole, piece = Path(d) / "whole", Path(d) / "piece"
        for run in (whole, piece):
            run.mkdir()
        (whole / "events.out.tfevents.1.h").write_bytes(data)
        target = piece / "events.out.tfevents.1.h"
        target.write_bytes(b"")
        one = Tailer([("w", LocalSource(str(whole)))], RunFactory(retain_all=True))
        one.poll(final=True)
        live = Tailer([("p", LocalSource(str(piece)))], RunFactory(retain_all=True))
        done = 0
        for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
            with open(target, "ab") as out:
                out.write(data[done:cut])
            done = max(done, cut)
            live.poll()
        live.poll(final=True)
        a, b = one.runs["."], live.runs["."]
        assert sorted(a.scalars) == sorted(b.scalars)
        for tag, series in a.scalars.items():
            pa, pb = series.recent(), b.scalars[tag].recent()
            assert pa.steps.tolist() == pb.steps.tolist()
            assert pa.values.tobytes() == pb.values.tobytes()
        assert a.events == b.events
