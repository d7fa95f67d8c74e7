"""Payload CRCs checked by the decoder (only the bytes that vary between records of one
tag), tag grouping by period, and the short-varint fast path: each against the plain
per-record reading, on files written by real writers."""

from __future__ import annotations

import random
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.reads import frame_and_decode
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.ingest.tfrecord.layout import PayloadCrcError
from tfwatch.model.decoded_batch import DecodedBatch

WRITERS = Path(__file__).parents[2] / "fixtures" / "writers"
FIXTURE_FILES = sorted(p for p in WRITERS.rglob("*tfevents*") if p.is_file())


def _payloads(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each record's payload."""
    return [(start + 12, end - start - 16) for start, end in record_spans(data)]


def _points(batch: DecodedBatch) -> dict[str, list[tuple[int, bytes]]]:
    """Per tag: (step, value bits) in file order; bits keep -0.0 and NaN payloads apart."""
    out: dict[str, list[tuple[int, bytes]]] = {}
    for tag, steps, values, _ in batch.scalar_groups():
        bits = [struct.pack("<d", v) for v in values.tolist()]
        out.setdefault(tag, []).extend(zip(steps.tolist(), bits, strict=True))
    return out


def _checked_everywhere(data: bytes) -> DecodedBatch:
    f = frame(data, final=True)
    assert f.payloads_verified
    batch = DecodedBatch()
    decode_records(data, f.starts, f.lengths, TagPlugins(), batch)
    return batch


def _oracle(data: bytes) -> dict[str, list[tuple[int, bytes]]]:
    """One protobuf parse per record: simple_value scalars by tag."""
    from tensorboard.compat.proto.event_pb2 import Event

    out: dict[str, list[tuple[int, bytes]]] = {}
    for start, length in _payloads(data):
        event = Event.FromString(data[start : start + length])
        for v in event.summary.value:
            if v.WhichOneof("value") == "simple_value":
                bits = struct.pack("<d", v.simple_value)
                out.setdefault(v.tag, []).append((event.step, bits))
    return out


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(WRITERS)))
def test_every_writer_passes_the_decoders_crc_check_with_the_same_points(path: Path) -> None:
    data = path.read_bytes()
    f = frame(data, final=True, verify_payloads=False)
    batch = DecodedBatch()
    decode_records(data, f.starts, f.lengths, TagPlugins(), batch, f.payloads_verified)
    assert not f.damage
    assert _points(batch) == _points(_checked_everywhere(data))


def _flip_every_byte_of_one_record(data: bytes, record: int) -> None:
    start, length = _payloads(data)[record]
    want = _points(_checked_everywhere(data))
    by_decoder = 0
    for offset in range(start, start + length):
        bad = bytearray(data)
        bad[offset] ^= 1 << (offset % 8)
        f = frame(bytes(bad), final=True, verify_payloads=False)
        if f.payloads_verified:  # the framing itself walked (e.g. the first byte changed)
            assert f.damage, offset
        else:
            by_decoder += 1
            with pytest.raises(PayloadCrcError):
                decode_records(bytes(bad), f.starts, f.lengths, TagPlugins(), DecodedBatch(), False)
        framing, batch = frame_and_decode(bytes(bad), True, TagPlugins())
        assert [(o, kind) for o, kind, _ in framing.damage] == [(start - 12, "payload_crc")]
        assert sum(map(len, _points(batch).values())) == sum(map(len, want.values())) - 1
    assert by_decoder >= length - 2  # all but the wall-time key byte's flips


@pytest.mark.parametrize(
    ("steps", "tags", "blocks"),
    [
        (2500, 1, True),  # long blocks of one tag
        (400, 8, True),  # blocks of a few hundred rows of eight tags
        (40, 2, False),  # too few records for a block: the record-by-record matcher
    ],
)
def test_a_flipped_bit_anywhere_in_a_simple_value_record_is_damage(
    tmp_path: Path, blocks_read: list[int], steps: int, tags: int, blocks: bool
) -> None:
    data = _tbx_file(tmp_path, [(f"t{k}", s, s / 7) for s in range(steps) for k in range(tags)])
    frame_and_decode(data, True, TagPlugins())
    assert bool(blocks_read) == blocks
    _flip_every_byte_of_one_record(data, record=(steps * tags) // 2 + 17)


@pytest.mark.parametrize(
    ("order", "grown"),
    [("steps_reach_128", 1), ("steps_reach_2_21", 1), ("tag_changes_at_128", 0)],
)
def test_a_block_follows_from_the_last_when_only_the_steps_grew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str, grown: int
) -> None:
    from tfwatch.ingest.decode import scalar_segments

    found: list[object] = []
    original = scalar_segments._grown

    def spy(*args: Any) -> Any:
        period = original(*args)
        if period is not None:
            found.append(period)
        return period

    monkeypatch.setattr(scalar_segments, "_grown", spy)
    data = _tbx_file(tmp_path, ORDERS[order])
    framing, batch = frame_and_decode(data, True, TagPlugins())
    assert not framing.damage
    assert _points(batch) == _oracle(data)
    assert len(found) == grown


def test_a_flipped_bit_in_a_block_after_the_steps_grew_is_damage(
    tmp_path: Path, blocks_read: list[int]
) -> None:
    data = _tbx_file(tmp_path, ORDERS["steps_reach_128"])
    frame_and_decode(data, True, TagPlugins())
    assert blocks_read == [127, 272]  # steps 1-127, then 128-399 (step 0 has no field)
    _flip_every_byte_of_one_record(data, record=1 + 10 * 200 + 4)


@pytest.mark.parametrize("name", ["tf2_summary", "tb_writer", "keras_fit"])
def test_a_flipped_bit_anywhere_in_a_tensor_scalar_record_is_damage(name: str) -> None:
    path = max(WRITERS.joinpath(name).rglob("*tfevents*"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    spans = _payloads(data)
    # A scalar record well inside the file (the first ones carry the plugin metadata).
    record = next(
        i for i in range(len(spans) // 2, len(spans)) if spans[i][1] < 200 and spans[i][1] > 30
    )
    _flip_every_byte_of_one_record(data, record)


def _tbx_file(tmp_path: Path, events: list[tuple[str, int, float]]) -> bytes:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "run"))
    for tag, step, value in events:
        w.add_scalar(tag, value, step)
    w.close()
    return only_event_file(tmp_path / "run").read_bytes()


ORDERS = {
    # The common case: the same tags in the same order every step.
    "periodic": [(t, s, s * 0.5) for s in range(1000) for t in ("a", "b", "c")],
    # A tag twice per period (a train and an eval value of one tag).
    "tag_twice_per_period": [(t, s, s + 0.25) for s in range(300) for t in ("a", "b", "a")],
    # The period breaks: a new tag from step 150 on, then every 10 steps only.
    "period_breaks": [(t, s, -s * 1.5) for s in range(300) for t in ("x", "y")]
    + [("z", s, 1.0) for s in range(300, 400, 10)],
    # An evaluation every 1,000 steps interrupts the pattern (blocks between them).
    "eval_interrupts": [
        (t, s, s * 0.25)
        for s in range(3000)
        for t in ("train/loss", "train/lr", "gpu", *(["val/acc", "val/loss"] * (s % 1000 == 999)))
    ],
    # An evaluation every 40 steps: too short between them for blocks.
    "eval_often": [
        (t, s, s * 0.25)
        for s in range(600)
        for t in ("train/loss", "train/lr", *(["val/acc", "val/loss"] if s % 40 == 39 else []))
    ],
    # A few dozen steps: short runs of repeating records.
    "short": [(t, s, s / 9) for s in range(50) for t in ("a/b", "c")],
    # No order at all.
    "random": [(random.Random(7).choice("pqrs") + str(i % 3), i, i / 3) for i in range(1000)],
    # Blocks of steps that take four varint bytes, and six (the longer varints' path).
    "four_byte_steps": [(t, 2**21 + s, s / 3) for s in range(900) for t in ("a", "bb", "c")],
    "six_byte_steps": [(t, 2**35 + s, s / 3) for s in range(900) for t in ("a", "bb", "c")],
    # Ten tags across steps 128 and 2^21, where every step varint grows by a byte: the
    # block after the boundary follows from the one before it.
    "steps_reach_128": [(f"t{k}", s, s / 3) for s in range(400) for k in range(10)],
    "steps_reach_2_21": [
        (f"t{k}", s, s / 3) for s in range(2**21 - 150, 2**21 + 150) for k in range(10)
    ],
    # The same, but one tag is replaced by another as long at the boundary.
    "tag_changes_at_128": [
        (f"t{k}" if k < 9 or s < 128 else "u9", s, -s / 3) for s in range(400) for k in range(10)
    ],
    # Steps around each varint length, negative ones and past 2^53.
    "varint_boundaries": [
        ("s", step, float(i))
        for i, step in enumerate(
            [0, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 2**28, 2**35, 2**53 + 1, -5]
        )
    ],
}


BLOCKS = {
    "periodic": 1,
    "eval_interrupts": 3,
    "four_byte_steps": 1,
    "six_byte_steps": 1,
    "steps_reach_128": 2,
    "steps_reach_2_21": 2,
    "tag_changes_at_128": 2,
    "varint_boundaries": 0,
    "random": 0,
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_tag_orders_decode_like_the_protobuf_parser(
    tmp_path: Path, order: str, blocks_read: list[int]
) -> None:
    data = _tbx_file(tmp_path, ORDERS[order])
    want = _oracle(data)
    framing, batch = frame_and_decode(data, True, TagPlugins())
    assert not framing.damage
    assert _points(batch) == want
    if order in BLOCKS:  # the path under test is the one meant
        assert len(blocks_read) == BLOCKS[order]


def test_layouts_kept_across_files_are_used_only_where_they_fit(tmp_path: Path) -> None:
    """A block's field layout is kept for the next file laid out the same (the runs of
    a sweep): files of every order read in turn, then again in reverse, each decode as
    the parser does."""
    from tfwatch.ingest.decode import repeating_records

    repeating_records._FIELDS.clear()
    # Records of the same sizes laid out apart, read first: one-letter tags with
    # two-byte steps, two-letter tags with one-byte steps.
    orders = {
        "short_tags": [(t, s, s / 7) for s in range(128, 256) for t in "abcdefghij"],
        "long_tags": [(t * 2, s, s / 7) for s in range(128) for t in "abcdefghij"],
    }
    orders.update((name, ORDERS[name]) for name in BLOCKS)
    files = {name: _tbx_file(tmp_path / name, events) for name, events in orders.items()}
    want = {name: _oracle(data) for name, data in files.items()}
    kept = []
    for name in [*files, *reversed(files)]:
        framing, batch = frame_and_decode(files[name], True, TagPlugins())
        assert not framing.damage and _points(batch) == want[name], name
        kept.append(len(repeating_records._FIELDS))
    # The two files of one record size get a layout each; the second reading of every
    # file finds its layout kept.
    assert kept[:2] == [1, 2] and kept[-1] == kept[len(files) - 1]


def test_blocks_of_float_and_double_tensor_scalars_decode_like_the_parser(
    tmp_path: Path, blocks_read: list[int]
) -> None:
    """Rank-0 DT_FLOAT and DT_DOUBLE tensors side by side (PyTorch's ``new_style`` with
    ``double_precision``, TensorBoard's writer), the scalars plugin on every event, framed
    by TensorBoard's event file writer; then a flipped bit in a double's record."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    plugin = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    writer = EventFileWriter(str(tmp_path))
    want: dict[str, list[tuple[int, float]]] = {}
    for step in range(700):
        for tag, double in (("loss", True), ("lr", False), ("val/acc", True)):
            value = step / 7 - 3.0
            shape = TensorShapeProto()  # rank 0, written out as the writers do
            tensor = (
                TensorProto(dtype=2, tensor_shape=shape, double_val=[value])  # DT_DOUBLE
                if double
                else TensorProto(dtype=1, tensor_shape=shape, float_val=[value])  # DT_FLOAT
            )
            summary = Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=plugin)])
            writer.add_event(Event(wall_time=1.7e9 + step / 3, step=step, summary=summary))
            kept = value if double else struct.unpack("<f", struct.pack("<f", value))[0]
            want.setdefault(tag, []).append((step, kept))
    writer.close()
    data = only_event_file(tmp_path).read_bytes()
    framing, batch = frame_and_decode(data, True, TagPlugins())
    assert not framing.damage
    got = {
        tag: list(zip(steps.tolist(), values.tolist(), strict=True))
        for tag, steps, values, _ in batch.scalar_groups()
    }
    assert got == want
    assert blocks_read
    _flip_every_byte_of_one_record(data, record=1 + 3 * 400)


@pytest.fixture
def blocks_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows of each block the decoder read (the record matcher took the rest)."""
    from tfwatch.ingest.decode import scalar_segments

    rows: list[int] = []
    original = scalar_segments.read_block

    def counting(*args: Any, **kwargs: Any) -> Any:
        block = original(*args, **kwargs)
        if block is not None:
            rows.append(block.rows)
        return block

    monkeypatch.setattr(scalar_segments, "read_block", counting)
    return rows
