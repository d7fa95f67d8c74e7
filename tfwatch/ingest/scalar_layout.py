"""Read ``simple_value`` scalar events straight from the buffer, many at once.

TF1, tensorboardX and PyTorch serialise a one-value scalar event the same way::

    09 <f64 wall_time> [10 <varint step>] 2a <n1> 0a <n2> 0a <taglen> <tag> 15 <f32 value>

Every byte of that layout is checked; a record that differs anywhere is left to the
protobuf parser. Tags are grouped by a hash of their bytes and then compared byte for
byte, so a hash collision can never merge two tags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
_MAX_TAG = 120  # one-byte lengths keep the layout fixed; longer tags use the parser
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class SimpleScalars:
    """Decoded scalars by tag: (record indices, steps, values, wall times)."""

    groups: dict[str, tuple[I64, I64, F64, F64]]
    leftover: I64  # record indices not in the layout
    max_wall: float


def _gather_u64(buf: U8, pos: I64, width: int) -> npt.NDArray[np.uint64]:
    out = np.zeros(pos.shape[0], dtype=np.uint64)
    for k in range(width):
        out |= buf[pos + k].astype(np.uint64) << np.uint64(8 * k)
    return out


def _varints(buf: U8, pos: I64) -> tuple[npt.NDArray[np.uint64], I64]:
    """Decode up to 10-byte varints at ``pos``: (values, byte lengths; 0 = malformed)."""
    n = pos.shape[0]
    value = np.zeros(n, dtype=np.uint64)
    length = np.zeros(n, dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    last = buf.shape[0] - 1
    for k in range(10):
        b = buf[np.minimum(pos + k, last)]
        value[open_] |= (b[open_] & np.uint8(0x7F)).astype(np.uint64) << np.uint64(7 * k)
        ends = open_ & (b < 0x80)
        length[ends] = k + 1
        open_ &= ~ends
        if not open_.any():
            break
    return value, length


def match_simple_scalars(data: bytes, starts: I64, lengths: I64) -> SimpleScalars | None:
    """Decode the records in the simple-scalar layout; None when none of them are."""
    buf = np.frombuffer(data, dtype=np.uint8)
    last = buf.shape[0] - 1
    ends = starts + lengths
    ok = (lengths >= 18) & (lengths < 256)
    if not ok.any():
        return None

    def at(pos: I64) -> U8:
        return buf[np.clip(pos, 0, last)]

    ok &= at(starts) == 0x09
    has_step = at(starts + 9) == 0x10
    step_raw, step_len = _varints(buf, starts + 10)
    ok &= ~has_step | (step_len > 0)
    off = np.where(has_step, starts + 10 + step_len, starts + 9)
    tag_len = at(off + 5).astype(np.int64)
    value_len = at(off + 3).astype(np.int64)
    summary_len = at(off + 1).astype(np.int64)
    ok &= (at(off) == 0x2A) & (at(off + 2) == 0x0A) & (at(off + 4) == 0x0A)
    ok &= (tag_len < _MAX_TAG) & (value_len == tag_len + 7) & (summary_len == value_len + 2)
    ok &= at(off + 6 + tag_len) == 0x15
    ok &= off + 11 + tag_len == ends
    idx = np.flatnonzero(ok).astype(np.int64)
    leftover = np.flatnonzero(~ok).astype(np.int64)
    if idx.shape[0] == 0:
        return None
    s, o, tl = starts[idx], off[idx], tag_len[idx]
    walls = _gather_u64(buf, s + 1, 8).view(np.float64)
    steps = np.where(has_step[idx], step_raw[idx], np.uint64(0)).view(np.int64)
    values = _gather_u64(buf, o + 7 + tl, 4).astype(np.uint32).view(np.float32).astype(np.float64)
    groups = _group_tags(buf, o + 6, tl, idx, steps, values, walls)
    if groups is None:
        return None
    max_wall = float(np.nanmax(walls)) if walls.shape[0] else 0.0
    return SimpleScalars(groups=groups, leftover=leftover, max_wall=max_wall)


def _group_tags(
    buf: U8, tag_pos: I64, tag_len: I64, idx: I64, steps: I64, values: F64, walls: F64
) -> dict[str, tuple[I64, I64, F64, F64]] | None:
    width = int(tag_len.max()) if tag_len.shape[0] else 0
    width8 = max(8, (width + 7) // 8 * 8)
    cols = np.arange(width8, dtype=np.int64)
    raw = buf[np.minimum(tag_pos[:, None] + cols, buf.shape[0] - 1)]
    raw = np.where(cols[None, :] < tag_len[:, None], raw, np.uint8(0)).astype(np.uint8)
    words = raw.view(np.uint64)
    h = tag_len.astype(np.uint64)
    for k in range(words.shape[1]):
        h = (h ^ words[:, k]) * _HASH_MUL
    keys, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    # Exact check: every row equals its group's first row, byte for byte.
    if not np.array_equal(raw, raw[first[inverse]]):
        return None
    groups: dict[str, tuple[I64, I64, F64, F64]] = {}
    for g in range(keys.shape[0]):
        rep = int(first[g])
        name = bytes(raw[rep, : int(tag_len[rep])]).decode("utf-8", "replace")
        sel = np.flatnonzero(inverse == g)
        if name in groups:  # two byte strings that decode alike (invalid UTF-8)
            old = groups[name]
            merged = np.sort(np.concatenate([old[0], idx[sel]]))
            order = np.argsort(np.concatenate([old[0], idx[sel]]), kind="stable")
            groups[name] = (
                merged,
                np.concatenate([old[1], steps[sel]])[order],
                np.concatenate([old[2], values[sel]])[order],
                np.concatenate([old[3], walls[sel]])[order],
            )
            continue
        groups[name] = (idx[sel], steps[sel], values[sel], walls[sel])
    return groups
