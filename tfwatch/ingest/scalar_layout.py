"""Read one-value scalar events straight from the buffer, many at once.

Two layouts cover nearly every scalar written. ``simple_value`` (TF1, tensorboardX,
PyTorch)::

    09 <f64 wall_time> [10 <varint step>] 2a <n1> 0a <n2> 0a <taglen> <tag> 15 <f32 value>

and a rank-0 float/double tensor of the ``scalars`` plugin (TF2, Keras, PyTorch
``new_style``, TensorBoard's writer), where ``15 <f32>`` becomes ``42 <tensor> [4a
<metadata>]``. Every byte of a layout is checked; a record that differs anywhere is left
to the protobuf parser. Tags are grouped by a hash of their bytes and then compared word
for word, so a hash collision can never merge two tags.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
_MAX_TAG = 120  # one-byte lengths keep the layout fixed; longer tags use the parser
_PAD = 512  # zero bytes appended to a buffer so probes never index past its end
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class LayoutScalars:
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


def match_scalar_layouts(
    data: bytes, starts: I64, lengths: I64, scalar_plugin: ScalarPluginCheck | None = None
) -> LayoutScalars | None:
    """Decode the records in either scalar layout; None when none of them are.

    ``scalar_plugin`` tells whether a tag is known to carry the ``scalars`` plugin and
    whether a serialised ``SummaryMetadata`` declares it; without it, tensor scalars
    are left to the parser.
    """
    ok = (lengths >= 18) & (lengths < 256)
    if not ok.any():
        return None
    # Zero padding past the end lets every layout probe index without bounds checks:
    # probes reach at most ~300 bytes past a record's start.
    buf = np.concatenate([np.frombuffer(data, dtype=np.uint8), np.zeros(_PAD, dtype=np.uint8)])
    ends = starts + lengths
    ok &= buf[starts] == 0x09
    has_step = buf[starts + 9] == 0x10
    step_raw, step_len = _varints(buf, starts + 10)
    ok &= ~has_step | (step_len > 0)
    off = np.where(has_step, starts + 10 + step_len, starts + 9)
    tag_len = buf[off + 5].astype(np.int64)
    value_len = buf[off + 3].astype(np.int64)
    ok &= (buf[off] == 0x2A) & (buf[off + 2] == 0x0A) & (buf[off + 4] == 0x0A)
    ok &= (tag_len < _MAX_TAG) & (value_len < 128) & (buf[off + 1] == value_len + 2)
    after = off + 6 + tag_len
    kind = buf[after]
    simple = ok & (kind == 0x15) & (value_len == tag_len + 7) & (after + 5 == ends)
    tensor = None
    if scalar_plugin is not None:
        maybe = np.flatnonzero(ok & (kind == 0x42))
        if maybe.shape[0]:
            tensor = _tensor_layout(buf, maybe, after, ends, tag_len, value_len)
    ok = simple if tensor is None else simple | tensor[0]
    idx = np.flatnonzero(ok).astype(np.int64)
    if idx.shape[0] == 0:
        return None
    s, tl = starts[idx], tag_len[idx]
    walls = _words(buf, "<f8")[s + 1].astype(np.float64)
    steps = np.where(has_step[idx], step_raw[idx], np.uint64(0)).view(np.int64)
    values = _words(buf, "<f4")[after[idx] + 1].astype(np.float64)
    names, inverse = _spans(buf, off[idx] + 6, tl)
    if names is None:
        return None
    if tensor is not None and scalar_plugin is not None:
        keep = _tensor_values(buf, idx, after, tensor, names, inverse, values, scalar_plugin)
        if not keep.all():
            ok[idx[~keep]] = False
            idx, steps, values, walls, inverse = (
                idx[keep],
                steps[keep],
                values[keep],
                walls[keep],
                inverse[keep],
            )
    leftover = np.flatnonzero(~ok).astype(np.int64)
    if idx.shape[0] == 0:
        return None
    groups = _split(names, inverse, idx, steps, values, walls)
    max_wall = float(np.nanmax(walls)) if walls.shape[0] else 0.0
    return LayoutScalars(groups=groups, leftover=leftover, max_wall=max_wall)


class ScalarPluginCheck:
    """What the tensor layout needs to know about plugins (see ``decode.TagPlugins``)."""

    def __init__(self, known: dict[str, str], declares_scalars: Callable[[bytes], bool]) -> None:
        self.known = known
        self.declares_scalars = declares_scalars


def _tensor_layout(
    buf: U8, maybe: I64, after: I64, ends: I64, tag_len: I64, value_len: I64
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_], I64]:
    """Rank-0 float/double tensors (TF2, Keras, PyTorch new_style, TensorBoard's writer)::

        42 <n> 08 <dtype> 12 00 <22|2a|32> <4|8> <value> [4a <m> <SummaryMetadata>]

    Checked for the records in ``maybe`` only; returns full-length arrays.
    """
    a, e = after[maybe], ends[maybe]
    tlen = buf[a + 1].astype(np.int64)
    dtype, key, width = buf[a + 3], buf[a + 6], buf[a + 7]
    f32 = (tlen == 10) & (dtype == 1) & ((key == 0x2A) | (key == 0x22)) & (width == 4)
    f64 = (tlen == 14) & (dtype == 2) & ((key == 0x32) | (key == 0x22)) & (width == 8)
    ok = (buf[a + 2] == 0x08) & (buf[a + 4] == 0x12) & (buf[a + 5] == 0) & (f32 | f64)
    tend = a + 2 + tlen
    meta_len = buf[tend + 1].astype(np.int64)
    has_meta = tend < e
    with_meta = (buf[tend] == 0x4A) & (meta_len < 128) & (tend + 2 + meta_len == e)
    ok &= np.where(has_meta, with_meta, tend == e)
    ok &= value_len[maybe] == tag_len[maybe] + 4 + tlen + np.where(has_meta, 2 + meta_len, 0)
    n = after.shape[0]
    full_ok = np.zeros(n, dtype=bool)
    full_f64 = np.zeros(n, dtype=bool)
    full_meta = np.zeros(n, dtype=bool)
    full_len = np.zeros(n, dtype=np.int64)
    full_ok[maybe], full_f64[maybe] = ok, f64
    full_meta[maybe], full_len[maybe] = has_meta & ok, meta_len
    return full_ok, full_f64, full_meta, full_len


def _tensor_values(
    buf: U8,
    idx: I64,
    after: I64,
    tensor: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_], I64],
    names: list[str],
    inverse: I64,
    values: F64,
    check: ScalarPluginCheck,
) -> npt.NDArray[np.bool_]:
    """Fill in tensor values; return which matched records really are scalars."""
    is_tensor, f64, has_meta = tensor[0][idx], tensor[1][idx], tensor[2][idx]
    meta_len: I64 = tensor[3][idx]
    a = after[idx]
    sel = np.flatnonzero(is_tensor & ~f64)
    values[sel] = _words(buf, "<f4")[a[sel] + 8].astype(np.float64)
    sel = np.flatnonzero(is_tensor & f64)
    values[sel] = _words(buf, "<f8")[a[sel] + 8]
    keep = np.ones(idx.shape[0], dtype=bool)
    if not is_tensor.any():
        return keep
    # Metadata present: it must declare the scalars plugin (checked once per distinct bytes).
    declared = np.zeros(len(names), dtype=bool)
    msel = np.flatnonzero(has_meta)
    if msel.shape[0]:
        tlen = np.where(f64[msel], 14, 10)
        meta_names, meta_inv = _spans(buf, a[msel] + 2 + tlen + 2, meta_len[msel], text=False)
        if meta_names is None:
            no_tensors: npt.NDArray[np.bool_] = keep & ~is_tensor
            return no_tensors
        good = np.asarray([check.declares_scalars(m) for m in meta_names], dtype=bool)
        keep[msel] = good[meta_inv]
        declared[np.unique(inverse[msel][good[meta_inv]])] = True
    # No metadata: the tag must be known as scalars (TF1 writes it on the first event only).
    known = np.asarray([check.known.get(n) == "scalars" for n in names], dtype=bool) | declared
    bare = np.flatnonzero(is_tensor & ~has_meta)
    keep[bare] = known[inverse[bare]]
    for g in np.flatnonzero(declared).tolist():
        check.known[names[g]] = "scalars"
    return keep


def _spans(buf: U8, pos: I64, length: I64, text: bool = True) -> tuple[list[Any] | None, I64]:
    """Distinct byte strings ``buf[pos:pos+length]``: (decoded strings, index per span).

    Spans are grouped by a hash of their bytes and then compared word for word, so a
    collision can never merge two different strings; None if one did.
    """
    width = int(length.max()) if length.shape[0] else 0
    nwords = max(1, (width + 7) // 8)
    # Words may run past a span's end (masked off below); the caller padded ``buf``.
    words = _words(buf, "<u8")
    rows = np.empty((pos.shape[0], nwords), dtype=np.uint64)
    h = length.astype(np.uint64)
    for k in range(nwords):
        keep = np.clip(length - 8 * k, 0, 8).astype(np.uint64)
        mask = np.where(
            keep >= 8, ~np.uint64(0), (np.uint64(1) << (np.minimum(keep, 7) * np.uint64(8))) - 1
        )
        word = words[pos + 8 * k] & mask
        rows[:, k] = word
        h = (h ^ word) * _HASH_MUL
    keys = np.unique(h)  # hash-based in NumPy 2; few distinct strings per buffer
    inverse = np.searchsorted(keys, h)
    first = np.full(keys.shape[0], h.shape[0], dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(h.shape[0], dtype=np.int64))
    rep = first[inverse]
    if not (np.array_equal(rows, rows[rep]) and np.array_equal(length, length[rep])):
        return None, inverse
    out: list[Any] = []
    for i in first.tolist():
        raw = buf[int(pos[i]) : int(pos[i]) + int(length[i])].tobytes()
        out.append(raw.decode("utf-8", "replace") if text else raw)
    return out, inverse


def _split(
    names: list[str], inverse: I64, idx: I64, steps: I64, values: F64, walls: F64
) -> dict[str, tuple[I64, I64, F64, F64]]:
    """Points per tag name, each in file order."""
    key_type = np.int16 if len(names) < 2**15 else np.int64
    order = np.argsort(inverse.astype(key_type), kind="stable")  # radix sort
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(names)))])
    groups: dict[str, tuple[I64, I64, F64, F64]] = {}
    for g, name in enumerate(names):
        sel = order[bounds[g] : bounds[g + 1]]
        part = (idx[sel], steps[sel], values[sel], walls[sel])
        if name in groups:  # two byte strings that decode alike (invalid UTF-8)
            old = groups[name]
            merged = [np.concatenate([o, p]) for o, p in zip(old, part, strict=True)]
            order2 = np.argsort(merged[0], kind="stable")
            part = (merged[0][order2], merged[1][order2], merged[2][order2], merged[3][order2])
        groups[name] = part
    return groups
