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


def _words(buf: U8, dtype: str) -> npt.NDArray[np.generic]:
    """Unaligned little-endian words starting at every byte offset (a view, no copy)."""
    width = np.dtype(dtype).itemsize
    n = max(buf.shape[0] - width + 1, 0)
    view: npt.NDArray[np.generic] = np.ndarray(
        (n,), dtype=dtype, buffer=buf, offset=0, strides=(1,)
    )
    return view


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
    walls = _words(buf, "<f8")[s + 1].astype(np.float64)
    steps = np.where(has_step[idx], step_raw[idx], np.uint64(0)).view(np.int64)
    values = _words(buf, "<f4")[o + 7 + tl].astype(np.float64)
    groups = _group_tags(buf, o + 6, tl, idx, steps, values, walls)
    if groups is None:
        return None
    max_wall = float(np.nanmax(walls)) if walls.shape[0] else 0.0
    return SimpleScalars(groups=groups, leftover=leftover, max_wall=max_wall)


def _group_tags(
    buf: U8, tag_pos: I64, tag_len: I64, idx: I64, steps: I64, values: F64, walls: F64
) -> dict[str, tuple[I64, I64, F64, F64]] | None:
    width = int(tag_len.max()) if tag_len.shape[0] else 0
    nwords = max(1, (width + 7) // 8)
    # Reading 8 bytes past a short tag stays inside the record (value and more follow),
    # but clip at the buffer's end all the same.
    words = _words(np.concatenate([buf, np.zeros(8 * nwords, dtype=np.uint8)]), "<u8")
    rows = np.empty((tag_pos.shape[0], nwords), dtype=np.uint64)
    h = tag_len.astype(np.uint64)
    for k in range(nwords):
        word = words[tag_pos + 8 * k]
        keep = np.clip(tag_len - 8 * k, 0, 8).astype(np.uint64)
        # Zero the bytes past the tag's end so they do not split a group.
        mask = np.where(
            keep >= 8, ~np.uint64(0), (np.uint64(1) << (keep * np.uint64(8))) - np.uint64(1)
        )
        word = word & mask
        rows[:, k] = word
        h = (h ^ word) * _HASH_MUL
    keys = np.unique(h)  # hash-based in NumPy 2; few distinct tags per buffer
    inverse = np.searchsorted(keys, h)
    first = np.full(keys.shape[0], h.shape[0], dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(h.shape[0], dtype=np.int64))
    # Exact check: every row equals its group's first row, word for word.
    if not np.array_equal(rows, rows[first[inverse]]) or not np.array_equal(
        tag_len, tag_len[first[inverse]]
    ):
        return None
    raw = buf
    groups: dict[str, tuple[I64, I64, F64, F64]] = {}
    # One stable sort splits all groups (radix sort on small integer keys).
    key_type = np.int16 if keys.shape[0] < 2**15 else np.int64
    order = np.argsort(inverse.astype(key_type), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=keys.shape[0]))])
    for g in range(keys.shape[0]):
        rep = int(first[g])
        start = int(tag_pos[rep])
        name = raw[start : start + int(tag_len[rep])].tobytes().decode("utf-8", "replace")
        sel = order[bounds[g] : bounds[g + 1]]
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
