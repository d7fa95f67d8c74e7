"""The reference path: one parsed ``Event`` proto at a time, for every writer's layout
(scalars as ``simple_value`` or tensors, histograms, hparams, text and image tags)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.tag_plugins import SCALAR_PLUGIN, TagPlugins
from tfwatch.model.decoded_batch import DecodedBatch
from tfwatch.model.histograms import HistogramPoint

# TensorFlow DataType enum values used by scalar tensors.
DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF, DT_BFLOAT16 = 1, 2, 3, 9, 19, 14
_RAW_DTYPES: dict[int, str] = {
    DT_FLOAT: "<f4",
    DT_DOUBLE: "<f8",
    DT_INT32: "<i4",
    DT_INT64: "<i8",
    DT_HALF: "<f2",
}
_HISTOGRAM_PLUGIN = "histograms"
_HPARAMS_PLUGIN = "hparams"
_TEXT_PLUGIN = "text"
_IMAGE_PLUGIN = "images"


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
    if plugin == SCALAR_PLUGIN:
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


def event_class() -> Any:
    """TensorBoard's ``Event`` message class, imported on first need: ``tfwatch ls`` over
    simple-value logs never pays for it."""
    from tensorboard.compat.proto.event_pb2 import Event

    return Event
