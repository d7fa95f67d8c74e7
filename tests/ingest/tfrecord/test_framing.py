"""TFRecord framing: clean files, partial tails, damage and resynchronisation."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.writers import only_event_file
from tfwatch.ingest.tfrecord.crc32c import crc32c, crc32c_at, mask
from tfwatch.ingest.tfrecord.framing import frame


def _records(data: bytes) -> list[bytes]:
    f = frame(data)
    return [data[s : s + n] for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True)]


@pytest.fixture
def event_bytes(tbx_run) -> bytes:
    run = tbx_run("r", {"loss": [(i, 1.0 / (i + 1)) for i in range(200)]})
    return only_event_file(run).read_bytes()


def _walk_reference(data: bytes) -> list[bytes]:
    """An independent, obviously-correct sequential reader for clean files."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12 : pos + 12 + n])
        pos += 12 + n + 4
    return out


def test_vectorised_crc_matches_c_implementation() -> None:
    rng = np.random.default_rng(1)
    for length in (0, 1, 7, 8, 40, 300):
        rows = rng.integers(0, 256, (50, length), dtype=np.uint8)
        got = crc32c_at(rows.reshape(-1), np.arange(50, dtype=np.int64) * length, length)
        assert [int(x) for x in got] == [crc32c(r.tobytes()) for r in rows]


def test_clean_file_frames_every_record(event_bytes: bytes) -> None:
    f = frame(event_bytes)
    assert f.consumed == len(event_bytes) and f.pending == 0 and not f.damage
    assert _records(event_bytes) == _walk_reference(event_bytes)
    assert len(f.starts) == 201  # file_version event + 200 scalars


@pytest.mark.parametrize("cut", [1, 5, 11, 12, 13, 30])
def test_partial_tail_is_pending_not_damage(event_bytes: bytes, cut: int) -> None:
    data = event_bytes[:-cut]
    f = frame(data)
    assert not f.damage
    assert f.consumed + f.pending == len(data)
    assert len(f.starts) == 200
    # One-shot reads report the cut-short record instead.
    final = frame(data, final=True)
    assert [d[1] for d in final.damage] == ["truncated"]


def test_payload_corruption_skips_only_that_record(event_bytes: bytes) -> None:
    refs = _walk_reference(event_bytes)
    data = bytearray(event_bytes)
    # Flip a byte inside the payload of record 50.
    pos = sum(12 + len(r) + 4 for r in refs[:50]) + 12 + 20
    data[pos] ^= 0xFF
    f = frame(bytes(data))
    assert [d[1] for d in f.damage] == ["payload_crc"]
    assert len(f.starts) == len(refs) - 1
    assert _records(bytes(data)) == refs[:50] + refs[51:]


def test_length_corruption_resynchronises(event_bytes: bytes) -> None:
    refs = _walk_reference(event_bytes)
    data = bytearray(event_bytes)
    pos = sum(12 + len(r) + 4 for r in refs[:80])
    data[pos] ^= 0x5A  # the length field of record 80
    f = frame(bytes(data))
    kinds = [d[1] for d in f.damage]
    assert kinds == ["length_crc"]
    assert f.damage[0][0] == pos
    assert _records(bytes(data)) == refs[:80] + refs[81:]


def test_garbage_inserted_between_records(event_bytes: bytes) -> None:
    refs = _walk_reference(event_bytes)
    pos = sum(12 + len(r) + 4 for r in refs[:10])
    data = event_bytes[:pos] + b"\x00garbage!" * 7 + event_bytes[pos:]
    f = frame(data)
    assert [(d[0], d[1], d[2]) for d in f.damage] == [(pos, "length_crc", 63)]
    assert _records(data) == refs


def test_absurd_length_with_valid_crc_is_not_allocated() -> None:
    length = struct.pack("<Q", 1 << 63)
    header = length + struct.pack("<I", mask(crc32c(length)))
    payload = b"\x09" + b"\x00" * 8
    good = struct.pack("<Q", len(payload))
    good_rec = good + struct.pack("<I", mask(crc32c(good))) + payload
    good_rec += struct.pack("<I", mask(crc32c(payload)))
    data = header + b"junk" + good_rec
    f = frame(data)
    assert [d[1] for d in f.damage] == ["bad_length"]
    assert _records(data) == [payload]


def test_zero_byte_and_tiny_inputs() -> None:
    for data in (b"", b"\x01", b"\x00" * 11):
        f = frame(data)
        assert len(f.starts) == 0 and not f.damage and f.pending == len(data)


def test_all_garbage_reports_once_and_keeps_possible_header_tail() -> None:
    data = bytes(range(256)) * 4
    f = frame(data)
    assert len(f.starts) == 0
    assert len(f.damage) == 1 and f.damage[0][1] == "length_crc"
    assert f.consumed == len(data) - 11


def test_file_written_by_tensorboard_writer(tmp_path: Path) -> None:
    from tensorboard.summary import Writer

    w = Writer(str(tmp_path))
    for i in range(30):
        w.add_scalar("acc", i / 30, step=i)
    w.flush()
    w.close()
    data = only_event_file(tmp_path).read_bytes()
    assert _records(data) == _walk_reference(data)


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """~1 MB written by tensorboardX: 4 tags a step for 5,000 steps, so the lengths
    repeat in patterns (that change where the step needs a second varint byte)."""
    from tensorboardX import SummaryWriter

    run = tmp_path_factory.mktemp("long") / "run"
    w = SummaryWriter(str(run))
    for step in range(5000):
        for tag in ("loss", "val/loss", "lr", "accuracy/top5"):
            w.add_scalar(tag, 1.0 / (step + 1), step)
    w.close()
    return only_event_file(run).read_bytes()


def _walk_only(data: bytes, final: bool = True) -> tuple[list[int], list[tuple[int, str, int]]]:
    from tfwatch.ingest.tfrecord.walk import walk as _walk

    f = _walk(data, np.frombuffer(data, dtype=np.uint8), final)
    return f.starts.tolist(), f.damage


def test_a_long_file_frames_like_the_reference(long_file: bytes) -> None:
    f = frame(long_file)
    assert len(long_file) > 800_000 and not f.damage and f.pending == 0
    assert _records(long_file) == _walk_reference(long_file)


def test_a_training_loops_file_is_framed_without_searching(
    long_file: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its first records, followed one by one, show the row of tags: the rows after them
    are checked in bulk, and again once the steps take another varint byte. Searching
    64 KB windows for record starts cost a third of framing a 4,000-event file."""
    from tfwatch.ingest.tfrecord import framing as records

    searched: list[int] = []
    real = records._scan

    def counted(buf, pos, stop):  # type: ignore[no-untyped-def]
        searched.append(stop - pos)
        return real(buf, pos, stop)

    monkeypatch.setattr(records, "_scan", counted)
    f = frame(long_file, final=True)
    assert not f.damage and _records(long_file) == _walk_reference(long_file)
    assert sum(searched) < 1024, searched  # at most the last few records


@pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
@pytest.mark.parametrize("byte", [0, 3, 9, 11])  # length bytes and the length's CRC
def test_a_damaged_header_deep_in_a_long_file_is_found(
    long_file: bytes, where: float, byte: int
) -> None:
    spans = [len(r) for r in _walk_reference(long_file)]
    offsets = np.cumsum([0] + [n + 16 for n in spans])
    record = int(len(spans) * where)
    bad = bytearray(long_file)
    bad[int(offsets[record]) + byte] ^= 0x10
    got = frame(bytes(bad), final=True)
    want_starts, want_damage = _walk_only(bytes(bad))
    assert got.starts.tolist() == want_starts
    assert got.damage == want_damage and got.damage[0][0] == int(offsets[record])
    assert len(got.starts) == len(spans) - 1


@pytest.mark.parametrize("cut", [1, 13, 40])
def test_a_long_file_cut_mid_record_leaves_the_tail_pending(long_file: bytes, cut: int) -> None:
    data = long_file[:-cut]
    f = frame(data)
    assert not f.damage and f.consumed + f.pending == len(data)
    assert _records(data) == _walk_reference(long_file)[:-1]


@pytest.mark.parametrize("byte", [1, 12, -5, -1])  # wall time, tag, value, payload CRC
def test_a_damaged_payload_deep_in_a_long_file_loses_that_record_only(
    long_file: bytes, byte: int
) -> None:
    from tfwatch.ingest.decode.tag_plugins import TagPlugins
    from tfwatch.ingest.reads import frame_and_decode

    spans = [len(r) for r in _walk_reference(long_file)]
    offsets = np.cumsum([0] + [n + 16 for n in spans])
    record = int(len(spans) * 0.6)
    at = int(offsets[record]) + 12 + (byte if byte >= 0 else spans[record] + 4 + byte)
    bad = bytearray(long_file)
    bad[at] ^= 0x04
    framing, batch = frame_and_decode(bytes(bad), True, TagPlugins())
    assert [(o, kind) for o, kind, _ in framing.damage] == [(int(offsets[record]), "payload_crc")]
    assert sum(len(steps) for _, steps, _, _ in batch.scalar_groups()) == len(spans) - 2
