"""Decoding every scalar encoding, histograms, hparams, text and images."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.writers import only_event_file
from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.loading import load_once
from tfwatch.model.decoded_batch import DecodedBatch


def _decode_file(path: Path) -> DecodedBatch:
    data = path.read_bytes()
    f = frame(data)
    batch = DecodedBatch()
    decode_records(data, f.starts, f.lengths, TagPlugins(), batch)
    return batch


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def test_simple_value_exact_including_special_values(tbx_run) -> None:
    values = [0.1, -0.0, 1e-40, float("nan"), float("inf"), float("-inf"), 3.0e38, 2.0]
    steps = [0, 1, 2, 3, 2**53 + 1, -5, 10**12, 7]
    run = tbx_run("r", {"v": list(zip(steps, values, strict=True))})
    batch = _decode_file(only_event_file(run))
    _, got_steps, got_values, _ = batch.scalar_points()
    assert got_steps.tolist() == steps
    for got, want in zip(got_values.tolist(), values, strict=True):
        want32 = _f32(want) if math.isfinite(want) else want
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == want32 and math.copysign(1, got) == math.copysign(1, want32)


def test_fast_path_and_protobuf_path_agree(tbx_run) -> None:
    from tensorboard.compat.proto.event_pb2 import Event

    run = tbx_run("r", {f"tag/{i}": [(s, s * 0.5 + i) for s in range(0, 300, 7)] for i in range(5)})
    path = only_event_file(run)
    data = path.read_bytes()
    f = frame(data)
    fast = _decode_file(path)
    want = []
    for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True):
        e = Event.FromString(data[s : s + n])
        for v in e.summary.value:
            want.append((v.tag, e.step, _f32(v.simple_value), e.wall_time))
    ids, steps, values, walls = fast.scalar_points()
    got = sorted(
        (fast.scalar_tags[i], s, v, w)
        for i, s, v, w in zip(
            ids.tolist(), steps.tolist(), values.tolist(), walls.tolist(), strict=True
        )
    )
    assert got == sorted(want)


def test_tensorboard_writer_tensor_scalars(tmp_path: Path) -> None:
    from tensorboard.summary import Writer

    w = Writer(str(tmp_path))
    for i in range(10):
        w.add_scalar("acc", i / 10, step=i)
    w.flush()
    w.close()
    batch = _decode_file(only_event_file(tmp_path))
    _, steps, values, _ = batch.scalar_points()
    assert steps.tolist() == list(range(10))
    assert values.tolist() == [_f32(i / 10) for i in range(10)]


def _tensor_event(tag: str, step: int, tensor, metadata: bool):
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata

    value = Summary.Value(tag=tag, tensor=tensor)
    if metadata:
        value.metadata.CopyFrom(
            SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        )
    return Event(wall_time=1.0, step=step, summary=Summary(value=[value]))


def test_every_tensor_dtype_and_metadata_only_on_first_event(tmp_path: Path) -> None:
    """Hand-made events: the dtypes below in every field no single writer uses at once."""
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    half_bits = int(np.array([1.5], dtype=np.float16).view(np.uint16)[0])
    tensors = [
        TensorProto(dtype=1, tensor_content=struct.pack("<f", 0.25)),
        TensorProto(dtype=1, float_val=[0.5]),
        TensorProto(dtype=2, double_val=[0.1]),
        TensorProto(dtype=2, tensor_content=struct.pack("<d", 0.2)),
        TensorProto(dtype=19, half_val=[half_bits]),
        TensorProto(dtype=19, tensor_content=struct.pack("<e", 2.5)),
        TensorProto(dtype=9, int64_val=[2**40]),
        TensorProto(dtype=9, tensor_content=struct.pack("<q", -3)),
    ]
    w = EventFileWriter(str(tmp_path))
    for step, t in enumerate(tensors):
        w.add_event(_tensor_event("x", step, t, metadata=step == 0))
    w.close()
    batch = _decode_file(only_event_file(tmp_path))
    _, steps, values, _ = batch.scalar_points()
    assert steps.tolist() == list(range(8))
    assert values.tolist() == [0.25, 0.5, 0.1, 0.2, 1.5, 2.5, float(2**40), -3.0]


def test_histograms_hparams_text_images(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "r"))
    w.add_histogram("weights", np.arange(100, dtype=np.float64), 3)
    w.add_text("notes", "hello", 0)
    w.add_image("img", np.zeros((3, 4, 4), dtype=np.uint8), 0)
    w.add_hparams({"lr": 0.01, "opt": "adam", "bn": True}, {"hp/acc": 0.9})
    w.add_scalar("loss", 1.0, 0)
    w.close()
    tailer = load_once([str(tmp_path)])
    run = tailer.runs["r"]
    assert run.histograms["weights"].recent()[0].num == 100
    assert "notes/text_summary" in run.text_tags and "img" in run.image_tags
    # add_hparams' own directory (r/<time.time()>/) is folded into the run.
    assert list(tailer.runs) == ["r"]
    assert run.hparams == {"lr": 0.01, "opt": "adam", "bn": True}
    assert run.final_metrics == {"hp/acc": pytest.approx(0.9)} and "hp/acc" not in run.scalars
    assert not run.damage


def test_tf2_histogram_tensor(tmp_path: Path) -> None:
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    rows = np.array([[0, 1, 2], [1, 2, 3]], dtype=np.float64)
    tensor = TensorProto(dtype=2, tensor_content=rows.tobytes())
    tensor.tensor_shape.dim.add(size=2)
    tensor.tensor_shape.dim.add(size=3)
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="histograms"))
    w = EventFileWriter(str(tmp_path))
    w.add_event(
        Event(
            wall_time=1,
            step=4,
            summary=Summary(value=[Summary.Value(tag="h", tensor=tensor, metadata=meta)]),
        )
    )
    w.close()
    tailer = load_once([str(tmp_path)])
    point = tailer.runs["."].histograms["h"].recent()[0]
    assert point.step == 4 and point.num == 5 and point.min == 0 and point.max == 2


def test_tensor_scalars_take_the_fast_path_and_agree_with_the_parser(tmp_path: Path) -> None:
    from tensorboard.summary import Writer

    from tfwatch.ingest.decode.fast import decode_fast_scalars
    from tfwatch.ingest.decode.reference import decode_event

    w = Writer(str(tmp_path))
    for i in range(50):
        w.add_scalar("acc", i / 50, step=i)
        w.add_scalar("loss/train", 1 / (i + 1), step=i)
    w.flush()
    w.close()
    data = only_event_file(tmp_path).read_bytes()
    f = frame(data)
    fast = DecodedBatch()
    left = decode_fast_scalars(data, f.starts, f.lengths, fast, None, TagPlugins())
    assert left.tolist() == [0]  # only the file_version event needs the parser
    from tensorboard.compat.proto.event_pb2 import Event

    slow = DecodedBatch()
    plugins = TagPlugins()
    for s, n in zip(f.starts.tolist(), f.lengths.tolist(), strict=True):
        decode_event(Event.FromString(data[s : s + n]), plugins, slow)

    def points(b: DecodedBatch) -> list[tuple[str, int, float]]:
        ids, steps, values, _ = b.scalar_points()
        return sorted(
            (b.scalar_tags[i], s, v)
            for i, s, v in zip(ids.tolist(), steps.tolist(), values.tolist(), strict=True)
        )

    assert points(fast) == points(slow) and len(points(fast)) == 100


def test_tensor_without_scalars_metadata_is_not_taken_for_a_scalar(tmp_path: Path) -> None:
    """A rank-0 float tensor of another plugin must not become a scalar series."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom"))
    w = EventFileWriter(str(tmp_path))
    for step in range(3):
        t = TensorProto(dtype=1, tensor_content=struct.pack("<f", 1.0))
        t.tensor_shape.SetInParent()
        value = Summary.Value(tag="c", tensor=t)
        if step == 0:
            value.metadata.CopyFrom(meta)
        w.add_event(Event(wall_time=1.0, step=step, summary=Summary(value=[value])))
    w.close()
    batch = _decode_file(only_event_file(tmp_path))
    assert batch.scalar_tags == []
