"""Payload CRCs of scalar records whose every byte matched a layout, checked by group.

:mod:`tfwatch.ingest.decode.scalar_layout` matches the records; this module verifies
their payload CRCs for a few table lookups a record instead of one per byte (see
:func:`crcs_ok`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.byte_views import words_at
from tfwatch.ingest.tfrecord.crc32c import ZERO_ROWS, crc32c, mask_array, padded_distance_table
from tfwatch.ingest.tfrecord.framing import payloads_ok

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
#: Per record of a buffer: tensor layout, f64 value, metadata present, metadata length.
Tensor = tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_], I64]
#: Records with metadata (positions within the matched ones), its distinct byte strings
#: and which one each carries; None for the strings if a hash collision kept them apart.
Metas = tuple[I64, list[Any] | None, I64]


def crcs_ok(
    buf: U8,
    s: I64,
    e: I64,
    step_len: I64,
    after: I64,
    tensor: Tensor | None,
    idx: I64,
    tag: I64,
    metas: Metas | None,
) -> bool:
    """Whether the payload CRC stored after each matched record ``[s, e)`` verifies.

    CRC32C is affine: the raw CRC of a message is a constant for its length XORed with
    one table entry per byte (table chosen by the byte's distance from the end). Records
    of one group (same tag, step length, layout and metadata, so the same bytes but for
    the wall time, step and value) therefore have ``crc = K[group] ^ V``, where ``V``
    sums the entries of those varying bytes alone and ``K`` comes from one C call on any
    record of the group. That is about 15 lookups a record instead of one per byte.
    """
    n = s.shape[0]
    if n == 0:
        return True
    kind = np.zeros(n, dtype=np.int64)
    width = np.full(n, 4, dtype=np.int64)
    value_at = after + 1
    meta = np.zeros(n, dtype=np.int64)
    if tensor is not None:
        is_tensor, f64 = tensor[0][idx], tensor[1][idx]
        # The value key byte (0x22 packed or the dtype's own) is part of the layout.
        kind = np.where(is_tensor, 1 + 2 * f64 + (buf[after + 6] == 0x22), 0)
        width = np.where(is_tensor & f64, 8, 4)
        value_at = np.where(is_tensor, after + 8, value_at)
        if metas is not None and metas[0].shape[0]:
            msel, meta_names, meta_inv = metas
            if meta_names is None:  # metadata not told apart: check those records one way
                return payloads_ok(buf, s[msel], e[msel] - s[msel]) and crcs_ok(
                    buf,
                    np.delete(s, msel),
                    np.delete(e, msel),
                    np.delete(step_len, msel),
                    np.delete(after, msel),
                    tensor,
                    np.delete(idx, msel),
                    np.delete(tag, msel),
                    None,
                )
            meta[msel] = meta_inv + 1
    group = ((tag * 11 + step_len) * 5 + kind) * (int(meta.max()) + 1) + meta
    if int(group.max()) > 4 * n + 4096:  # sparse keys (many metadata strings): compact
        group = np.unique(group, return_inverse=True)[1].reshape(-1)
    acc = _varying_bytes_crc(buf, s, e, step_len, value_at, width)
    # One record per group stands for it: which one does not matter.
    first = np.full(int(group.max()) + 1, -1, dtype=np.int64)
    first[group] = np.arange(n, dtype=np.int64)
    const = np.zeros(first.shape[0], dtype=np.uint32)
    for g in np.flatnonzero(first >= 0).tolist():
        r = int(first[g])
        const[g] = crc32c(buf[int(s[r]) : int(e[r])].tobytes()) ^ int(acc[r])
    stored = words_at(buf, "<u4")[e]
    return bool(np.array_equal(mask_array(const[group] ^ acc), stored))


def _varying_bytes_crc(
    buf: U8, s: I64, e: I64, step_len: I64, value_at: I64, width: I64
) -> npt.NDArray[np.uint32]:
    """XOR of the table entries of each record's wall time, step and value bytes.

    A byte ``j`` bytes after a position ``p`` sits at distance ``(e - 1 - p) - j`` from
    the end, so one base per record and a table view shifted by ``j`` rows serve every
    ``j``; ``buf[j:]`` likewise reads ``p + j`` without an index addition. Upper wall
    time bytes that no record changes are skipped (they are part of each group's
    constant); step bytes past a short varint are left in only where they still fall
    inside the record's constant bytes.
    """
    n = s.shape[0]
    length = int((e - s).max())
    table = padded_distance_table(length)
    pad = ZERO_ROWS * 256

    def shifted(j: int) -> npt.NDArray[np.uint32]:
        out: npt.NDArray[np.uint32] = table[pad - (j << 8) :]
        return out

    acc = np.zeros(n, dtype=np.uint32)
    base = ((e - 1 - s) << 8).astype(np.int32)
    wall_hi = words_at(buf, "<u4")[s + 5]
    wall_bytes = 4 if np.all(wall_hi == wall_hi[0]) else 8
    for j in range(1, 1 + wall_bytes):
        acc ^= shifted(j)[base + buf[j:][s]]
    room = int((value_at - s).min()) - 10  # step bytes before the value in every record
    for i in range(int(step_len.max())):
        part = shifted(10 + i)[base + buf[10 + i :][s]]
        if i >= room:
            part[step_len <= i] = 0
        acc ^= part
    vbase = ((e - 1 - value_at) << 8).astype(np.int32)
    for i in range(int(width.max())):
        part = shifted(i)[vbase + buf[i:][value_at]]
        if i >= 4:
            part[width <= i] = 0
        acc ^= part
    return acc
