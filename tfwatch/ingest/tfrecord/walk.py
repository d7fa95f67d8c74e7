"""The sequential TFRecord reader: follows records one by one, reports damage and
resynchronises on the next valid record. :func:`~tfwatch.ingest.tfrecord.framing.frame`
falls back to it whenever its vectorised path cannot account for every byte."""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.crc32c import crc32c, crc32c_at, mask, mask_array
from tfwatch.ingest.tfrecord.layout import FOOTER, HEADER, MAX_RECORD, Framing, u32_at


def walk(data: bytes, buf: npt.NDArray[np.uint8], final: bool = False) -> Framing:
    """Sequential framing that reports damage and resynchronises after it (``final``: no
    more bytes will come, so nothing is left to decide later)."""
    size = len(data)
    starts: list[int] = []
    lengths: list[int] = []
    damage: list[tuple[int, str, int]] = []
    pos = 0
    unpack_header = struct.Struct("<QI").unpack_from
    unpack_crc = struct.Struct("<I").unpack_from
    while pos < size:
        if size - pos < HEADER:
            return _framing(starts, lengths, pos, damage, size - pos)
        length, length_crc = unpack_header(data, pos)
        if mask(crc32c(data[pos : pos + 8])) != length_crc:
            kind = "length_crc"
        elif length > MAX_RECORD:
            kind = "bad_length"
        else:
            end = pos + HEADER + length + FOOTER
            payload_ok = (
                end <= size
                and mask(crc32c(data[pos + HEADER : pos + HEADER + length]))
                == unpack_crc(data, end - FOOTER)[0]
            )
            if payload_ok:
                starts.append(pos + HEADER)
                lengths.append(length)
                pos = end
                continue
            # A writer cut short (disk full, killed mid-write) and then appended to leaves
            # a torn record whose length spans the next records: resume at the first
            # whole record inside that span rather than skipping (or awaiting) all of it.
            inner = _resync(buf, pos + 1, min(end, size), whole_only=True)
            if inner is not None:
                damage.append((pos, "truncated", inner - pos))
                pos = inner
                continue
            if end > size or (not final and _may_hold_a_record(buf, pos, end)):
                # Not all here yet, or a record inside the span is still being written:
                # decide when more bytes came (a one-shot read calls it truncated).
                return _framing(starts, lengths, pos, damage, size - pos)
            # The header vouches for the length, so the payload alone is lost.
            damage.append((pos, "payload_crc", end - pos))
            pos = end
            continue
        nxt = _resync(buf, pos + 1)
        if nxt is None:
            # Nothing valid yet; keep the last bytes, a header may begin there.
            keep_from = max(pos + 1, size - (HEADER - 1))
            damage.append((pos, kind, keep_from - pos))
            return _framing(starts, lengths, keep_from, damage, size - keep_from)
        damage.append((pos, kind, nxt - pos))
        pos = nxt
    return _framing(starts, lengths, pos, damage, 0)


def _may_hold_a_record(buf: npt.NDArray[np.uint8], pos: int, end: int) -> bool:
    """Whether a record still being written may start inside the damaged record at
    ``pos``: its header may be cut by the end of the buffer, or verify and run past it."""
    return end > buf.shape[0] - HEADER or _resync(buf, pos + 1, end) is not None


def _framing(
    starts: list[int],
    lengths: list[int],
    consumed: int,
    damage: list[tuple[int, str, int]],
    pending: int,
) -> Framing:
    return Framing(
        starts=np.asarray(starts, dtype=np.int64),
        lengths=np.asarray(lengths, dtype=np.int64),
        consumed=consumed,
        damage=damage,
        pending=pending,
    )


def _resync(
    buf: npt.NDArray[np.uint8], start: int, stop: int | None = None, whole_only: bool = False
) -> int | None:
    """First offset in ``[start, stop)`` where a header's length CRC verifies.

    Only positions whose length CRC matches are candidates (a 1-in-2^32 accident), and
    the one chosen must also carry a verified payload unless it runs past the end (and
    ``whole_only`` is false). The search goes window by window so a large damaged region
    never needs a large index.
    """
    size = buf.shape[0]
    limit = size - HEADER + 1 if stop is None else min(stop, size - HEADER + 1)
    window = 1 << 20
    for lo in range(start, limit, window):
        hi = min(lo + window, limit)
        found = _resync_window(buf, lo, hi, whole_only)
        if found is not None:
            return found
    return None


def _resync_window(
    buf: npt.NDArray[np.uint8], lo: int, hi: int, whole_only: bool = False
) -> int | None:
    size = buf.shape[0]
    pos = np.arange(lo, hi, dtype=np.int64)
    upper = buf[pos + 4] | buf[pos + 5] | buf[pos + 6] | buf[pos + 7]
    pos = pos[upper == 0]
    if pos.shape[0] == 0:
        return None
    ok = mask_array(crc32c_at(buf, pos, 8)) == u32_at(buf, pos + 8)
    for p in pos[ok].tolist():
        length = int(u32_at(buf, np.asarray([p]))[0])
        if length > MAX_RECORD:
            continue
        end = p + HEADER + length + FOOTER
        if end > size:
            if whole_only:
                continue
            return int(p)  # plausibly a record still being written
        payload = buf[p + HEADER : p + HEADER + length].tobytes()
        if mask(crc32c(payload)) == int(u32_at(buf, np.asarray([end - FOOTER]))[0]):
            return int(p)
    return None
