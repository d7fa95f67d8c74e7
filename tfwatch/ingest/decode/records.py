"""Event payloads → scalar points, histograms, hparams and tag lists, for every writer:
:func:`decode_records` is the one entry point.

Two paths give the same answers. :func:`~.fast.decode_fast_scalars` reads the layout
that TF1, tensorboardX and PyTorch use for ``simple_value`` scalars (and TF2's scalar
tensors) directly from the buffer with NumPy; every record it does not recognise goes
through :func:`~.reference.decode_event`, the protobuf parser, so correctness never
rests on the shortcut.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.fast import decode_fast_scalars
from tfwatch.ingest.decode.reference import decode_event, event_class
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.tfrecord.byte_views import words_at
from tfwatch.ingest.tfrecord.framing import payloads_ok
from tfwatch.ingest.tfrecord.layout import PayloadCrcError
from tfwatch.model.decoded_batch import DecodedBatch

I64 = npt.NDArray[np.int64]


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
        event_cls = event_class()
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
