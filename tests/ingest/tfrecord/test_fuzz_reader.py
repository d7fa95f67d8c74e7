"""Property tests of the reader on real event files with random damage.

Whatever the damage, framing and decoding never raise, never loop, and every record
that the damage did not touch is recovered, in order.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.model.decoded_batch import DecodedBatch


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from tensorboard.summary import Writer
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("seed")
    w = SummaryWriter(str(root / "x"))
    for i in range(60):
        w.add_scalar("loss", 1.0 / (i + 1), i)
        if i % 20 == 0:
            w.add_histogram("w", [0.1 * i, 0.2, 0.3], i)
    w.close()
    tb = Writer(str(root / "t"))
    for i in range(20):
        tb.add_scalar("acc", i / 20, step=i)
    tb.close()
    return only_event_file(root / "x").read_bytes() + only_event_file(root / "t").read_bytes()


def _recovered(data: bytes) -> list[bytes]:
    f = frame(data, final=True)
    batch = DecodedBatch()
    decode_records(data, f.starts, f.lengths, TagPlugins(), batch)  # must not raise
    assert f.consumed == len(data)
    return [data[s : s + n] for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True)]


def _payloads(data: bytes, spans: list[tuple[int, int]]) -> list[bytes]:
    return [data[a + 12 : b - 4] for a, b in spans]


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 7)), min_size=1, max_size=4))
def test_bit_flips_lose_only_the_records_they_hit(seed_file: bytes, flips) -> None:
    data = bytearray(seed_file)
    hit = set()
    for pos, bit in flips:
        p = pos % len(data)
        data[p] ^= 1 << bit
        hit.add(p)
    spans = record_spans(seed_file)
    intact = [seed_file[a + 12 : b - 4] for a, b in spans if not any(a <= p < b for p in hit)]
    got = _recovered(bytes(data))
    # Every untouched record is there, in order (a damaged one is never passed on).
    it = iter(got)
    assert all(any(r == g for g in it) for r in intact)
    assert set(got) <= set(_payloads(seed_file, spans)) | {
        bytes(data[a + 12 : b - 4]) for a, b in spans
    }


@FUZZ
@given(cut=st.integers(0, 10**9), junk=st.binary(min_size=1, max_size=64))
def test_inserted_junk_loses_nothing(seed_file: bytes, cut: int, junk: bytes) -> None:
    spans = record_spans(seed_file)
    boundary = spans[cut % len(spans)][0]
    data = seed_file[:boundary] + junk + seed_file[boundary:]
    got = _recovered(data)
    assert got[: len(spans)] == _payloads(seed_file, spans)[: len(got)]
    assert got == _payloads(seed_file, spans) or len(got) >= len(spans) - 1


@FUZZ
@given(end=st.integers(0, 10**9))
def test_truncation_keeps_every_complete_record(seed_file: bytes, end: int) -> None:
    n = end % (len(seed_file) + 1)
    spans = record_spans(seed_file)
    complete = [seed_file[a + 12 : b - 4] for a, b in spans if b <= n]
    assert _recovered(seed_file[:n]) == complete


@FUZZ
@given(order=st.permutations(list(range(8))), dup=st.integers(0, 7))
def test_duplicated_and_reordered_records_are_all_framed(seed_file: bytes, order, dup) -> None:
    spans = record_spans(seed_file)[:8]
    pieces = [seed_file[a:b] for a, b in spans]
    shuffled = [pieces[i] for i in order] + [pieces[dup]]
    got = _recovered(b"".join(shuffled))
    assert got == [p[12:-4] for p in shuffled]


@FUZZ
@given(noise=st.binary(min_size=0, max_size=2000))
def test_random_bytes_never_raise(noise: bytes) -> None:
    _recovered(noise)


def test_header_claiming_2_pow_63_bytes_is_skipped(seed_file: bytes, tmp_path: Path) -> None:
    from tfwatch.ingest.tfrecord.crc32c import crc32c, mask

    length = struct.pack("<Q", (1 << 63) - 1)
    bad = length + struct.pack("<I", mask(crc32c(length)))
    data = bad + seed_file
    assert _recovered(data) == _payloads(seed_file, record_spans(seed_file))
