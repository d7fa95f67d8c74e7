"""Event payloads → scalar points, histograms, hparams and tag lists, for every writer.

Two paths give the same answers. :func:`decode_fast_scalars` reads the layout that
TF1, tensorboardX and PyTorch use for ``simple_value`` scalars directly from the buffer
with NumPy; every record it does not recognise goes through :func:`decode_event`, the
protobuf parser, so correctness never rests on the shortcut.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.scalar_layout import ScalarPluginCheck
from tfwatch.ingest.decode.scalar_segments import match_scalar_layouts
from tfwatch.ingest.tfrecord.byte_views import words_at
from tfwatch.ingest.tfrecord.framing import payloads_ok
from tfwatch.ingest.tfrecord.layout import PayloadCrcError
from tfwatch.model.decoded_batch import DecodedBatch
from tfwatch.model.histograms import HistogramPoint

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# TensorFlow DataType enum values used by scalar tensors.
DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF, DT_BFLOAT16 = 1, 2, 3, 9, 19, 14
_RAW_DTYPES: dict[int, str] = {
    DT_FLOAT: "<f4",
    DT_DOUBLE: "<f8",
    DT_INT32: "<i4",
    DT_INT64: "<i8",
    DT_HALF: "<f2",
}
_SCALAR_PLUGIN = "scalars"
_HISTOGRAM_PLUGIN = "histograms"
_HPARAMS_PLUGIN = "hparams"
_TEXT_PLUGIN = "text"
_IMAGE_PLUGIN = "images"


class TagPlugins:
    """Per run: the plugin each tag was declared with.

    TF1's ``FileWriter`` writes a tag's metadata only on its first event, so later events
    of the same tag are only understood by remembering it across files of the run.
    """

    def __init__(self) -> None:
        self.plugin: dict[str, str] = {}
        self._declares: dict[bytes, bool] = {}

    def declares_scalars(self, metadata: bytes) -> bool:
        """Whether serialised ``SummaryMetadata`` names the scalars plugin (cached)."""
        answer = self._declares.get(metadata)
        if answer is None:
            from tensorboard.compat.proto.summary_pb2 import SummaryMetadata

            try:
                parsed = SummaryMetadata.FromString(metadata)
                answer = parsed.plugin_data.plugin_name == _SCALAR_PLUGIN
            except Exception:  # malformed metadata: let the parser path report it
                answer = False
            if len(self._declares) < 1024:
                self._declares[metadata] = answer
        return answer


def decode_records(
    data: bytes,
    starts: I64,
    lengths: I64,
    plugins: TagPlugins,
    batch: DecodedBatch,
    verified: bool = True,
    numbers: I64 | None = None,
) -> None:
    """Decode the framed payloads ``data[start:start+length]`` into ``batch``.

    ``verified`` False means the payload CRCs are still unchecked: they are checked here
    and :class:`~tfwatch.ingest.tfrecord.framing.PayloadCrcError` is raised if one fails (then
    ``batch`` is to be thrown away). ``numbers`` are the records' numbers in their file
    when they are not all of its records since ``batch.events`` (the file order of
    points from several calls).
    """
    if starts.shape[0] == 0:
        return
    if numbers is None:
        numbers = np.arange(batch.events, batch.events + starts.shape[0], dtype=np.int64)
    leftover = decode_fast_scalars(data, starts, lengths, batch, numbers, plugins, not verified)
    if not verified and leftover.shape[0]:
        buf = np.frombuffer(data, dtype=np.uint8)
        if not payloads_ok(buf, starts[leftover], lengths[leftover]):
            raise PayloadCrcError("payload CRC mismatch")
    batch.events += int(starts.shape[0])
    if leftover.shape[0]:
        leftover = _skip_file_versions(data, starts, lengths, leftover, batch)
    if leftover.shape[0]:
        event_cls = _event_class()
        for i in leftover.tolist():
            s, n = int(starts[i]), int(lengths[i])
            batch._record = int(numbers[i])
            try:
                event = event_cls.FromString(data[s : s + n])
            except Exception:  # protobuf raises DecodeError and others on garbage
                batch.bad_events.append(s)
                continue
            decode_event(event, plugins, batch)
    batch.flush()


_FILE_VERSION = np.frombuffer(b"brain.Event:", dtype=np.uint8)


def _skip_file_versions(
    data: bytes, starts: I64, lengths: I64, leftover: I64, batch: DecodedBatch
) -> I64:
    """Take the events that hold only a wall time and a file version (the first event
    of every file) off ``leftover``: the parser (and importing it, for ``tfwatch ls``)
    is not needed for them."""
    buf = np.frombuffer(data, dtype=np.uint8)
    versions = file_versions(buf, starts[leftover], lengths[leftover])
    for wall in words_at(buf, "<f8")[starts[leftover[versions]] + 1].tolist():
        if wall > batch.max_wall_time:
            batch.max_wall_time = wall
    return leftover[~versions]


def file_versions(buf: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> npt.NDArray[np.bool_]:
    """Which of the payloads are events of a wall time and a file version alone."""
    # 09 <f64 wall_time> 1a <len> brain.Event:<n>
    k = _FILE_VERSION.shape[0]
    out: npt.NDArray[np.bool_] = (lengths >= 11 + k) & (lengths < 11 + 128)
    maybe = np.flatnonzero(out)
    s, n = starts[maybe], lengths[maybe]
    ok = (buf[s] == 0x09) & (buf[s + 9] == 0x1A) & (buf[s + 10] == n - 11)
    ok &= (buf[(s + 11)[:, None] + np.arange(k)] == _FILE_VERSION).all(axis=1)
    out[maybe] = ok
    return out


def decode_event(event: Any, plugins: TagPlugins, batch: DecodedBatch) -> None:
    """Decode one parsed ``Event`` proto into ``batch``."""
    wall = float(event.wall_time)
    if wall > batch.max_wall_time:
        batch.max_wall_time = wall
    if not event.HasField("summary"):
        return
    step = int(event.step)
    for value in event.summary.value:
        tag = value.tag
        if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
            plugins.plugin[tag] = value.metadata.plugin_data.plugin_name
            if plugins.plugin[tag] == _HPARAMS_PLUGIN:
                # Writers put hparams in the metadata, with or without a tensor value.
                batch.hparams.update(hparams_from_metadata(value.metadata.plugin_data.content))
                continue
        kind = value.WhichOneof("value")
        if kind == "simple_value":
            batch.add_scalar(tag, step, float(value.simple_value), wall)
        elif kind == "histo":
            batch.histograms.append((tag, _histogram_from_proto(value.histo, step, wall)))
        elif kind == "image":
            batch.image_tags.add(tag)
        elif kind == "tensor":
            _decode_tensor_value(tag, value, step, wall, plugins, batch)


def _decode_tensor_value(
    tag: str, value: Any, step: int, wall: float, plugins: TagPlugins, batch: DecodedBatch
) -> None:
    plugin = plugins.plugin.get(tag, "")
    if plugin == _SCALAR_PLUGIN:
        scalar = tensor_scalar(value.tensor)
        if scalar is not None:
            batch.add_scalar(tag, step, scalar, wall)
    elif plugin == _HISTOGRAM_PLUGIN:
        point = _histogram_from_tensor(value.tensor, step, wall)
        if point is not None:
            batch.histograms.append((tag, point))
    elif plugin == _TEXT_PLUGIN:
        batch.text_tags.add(tag)
    elif plugin == _IMAGE_PLUGIN:
        batch.image_tags.add(tag)


def tensor_values(tensor: Any) -> npt.NDArray[Any] | None:
    """The elements of a ``TensorProto`` as a flat array, or None for unsupported dtypes."""
    dtype = int(tensor.dtype)
    raw = _RAW_DTYPES.get(dtype)
    if raw is None and dtype != DT_BFLOAT16:
        return None
    if tensor.tensor_content:
        if dtype == DT_BFLOAT16:
            halves = np.frombuffer(tensor.tensor_content, dtype="<u2").astype(np.uint32)
            widened: npt.NDArray[Any] = (halves << np.uint32(16)).view(np.float32)
            return widened
        return np.frombuffer(tensor.tensor_content, dtype=raw)
    if dtype == DT_FLOAT:
        return np.asarray(tensor.float_val, dtype=np.float32)
    if dtype == DT_DOUBLE:
        return np.asarray(tensor.double_val, dtype=np.float64)
    if dtype == DT_INT64:
        return np.asarray(tensor.int64_val, dtype=np.int64)
    if dtype == DT_INT32:
        return np.asarray(tensor.int_val, dtype=np.int32)
    # DT_HALF and DT_BFLOAT16 keep their 16-bit patterns in ``half_val``.
    bits = np.asarray(tensor.half_val, dtype=np.uint16)
    if dtype == DT_HALF:
        return bits.view(np.float16)
    bf16: npt.NDArray[Any] = (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return bf16


def tensor_scalar(tensor: Any) -> float | None:
    """A scalar tensor's value (rank 0 or a single element), widened exactly to float."""
    values = tensor_values(tensor)
    if values is None or values.size != 1:
        return None
    return float(values.reshape(-1)[0])


def _histogram_from_proto(histo: Any, step: int, wall: float) -> HistogramPoint:

    return HistogramPoint(
        step=step,
        wall_time=wall,
        min=float(histo.min),
        max=float(histo.max),
        num=float(histo.num),
        sum=float(histo.sum),
        sum_squares=float(histo.sum_squares),
        bucket_limits=np.asarray(histo.bucket_limit, dtype=np.float64),
        bucket_counts=np.asarray(histo.bucket, dtype=np.float64),
    )


def _histogram_from_tensor(tensor: Any, step: int, wall: float) -> HistogramPoint | None:
    """TF2 histograms: a ``[k, 3]`` tensor of (left edge, right edge, count)."""

    values = tensor_values(tensor)
    if values is None:
        return None
    try:
        rows = values.astype(np.float64).reshape(-1, 3)
    except ValueError:
        return None
    counts = rows[:, 2]
    centers = (rows[:, 0] + rows[:, 1]) / 2
    empty = rows.shape[0] == 0
    return HistogramPoint(
        step=step,
        wall_time=wall,
        min=0.0 if empty else float(rows[0, 0]),
        max=0.0 if empty else float(rows[-1, 1]),
        num=float(counts.sum()),
        sum=float((centers * counts).sum()),
        sum_squares=float((centers * centers * counts).sum()),
        bucket_limits=rows[:, 1].copy(),
        bucket_counts=counts.copy(),
    )


def hparams_from_metadata(content: bytes) -> dict[str, str | float | bool]:
    """Hparam values from the ``hparams`` plugin's session-start info (empty otherwise)."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    try:
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
    except Exception:  # malformed plugin content: ignore, like TensorBoard
        return {}
    if data.WhichOneof("data") != "session_start_info":
        return {}
    out: dict[str, str | float | bool] = {}
    # A protobuf map iterates in no fixed order: sorted, every output lists them alike.
    for name, value in sorted(data.session_start_info.hparams.items()):
        kind = value.WhichOneof("kind")
        if kind == "number_value":
            out[name] = float(value.number_value)
        elif kind == "string_value":
            out[name] = str(value.string_value)
        elif kind == "bool_value":
            out[name] = bool(value.bool_value)
    return out


def _event_class() -> Any:
    # Imported on first need: `tfwatch ls` over simple-value logs never pays for it.
    from tensorboard.compat.proto.event_pb2 import Event

    return Event


def decode_fast_scalars(
    data: bytes,
    starts: I64,
    lengths: I64,
    batch: DecodedBatch,
    numbers: I64 | None = None,
    plugins: TagPlugins | None = None,
    check_crcs: bool = False,
) -> I64:
    """Vectorised decoding of one-value scalar events; returns the indices it left.

    Both layouts are read: ``simple_value`` (TF1, tensorboardX, PyTorch) and rank-0
    float/double tensors of the ``scalars`` plugin (TF2, Keras, TensorBoard's writer).
    ``check_crcs`` verifies the payload CRCs of the records it decodes. ``numbers`` are
    the records' numbers in their file (their indices by default): the points' order.
    """
    check = ScalarPluginCheck(plugins.plugin, plugins.declares_scalars) if plugins else None
    matched = match_scalar_layouts(data, starts, lengths, check, check_crcs)
    if matched is None:
        return np.arange(starts.shape[0], dtype=np.int64)
    for tag, chunks in matched.groups.items():
        tid = batch.tag_id(tag)
        for ids, steps, values, walls in chunks:
            batch.scalar_order.append(ids if numbers is None else numbers[ids])
            batch.scalar_tag_ids.append(np.full(steps.shape[0], tid, dtype=np.int64))
            batch.scalar_steps.append(steps)
            batch.scalar_values.append(values)
            batch.scalar_walls.append(walls)
        batch._paths_used.add("fast")
    if matched.max_wall > batch.max_wall_time:
        batch.max_wall_time = matched.max_wall
    return matched.leftover
