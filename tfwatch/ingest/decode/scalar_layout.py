"""Read one-value scalar events straight from the buffer, many at once.

Two layouts cover nearly every scalar written. ``simple_value`` (TF1, tensorboardX,
PyTorch)::

    09 <f64 wall_time> [10 <varint step>] 2a <n1> 0a <n2> 0a <taglen> <tag> 15 <f32 value>

and a rank-0 float/double tensor of the ``scalars`` plugin (TF2, Keras, PyTorch
``new_style``, TensorBoard's writer), where ``15 <f32>`` becomes ``42 <tensor> [4a
<metadata>]``. Every byte of a layout is checked; a record that differs anywhere is left
to the protobuf parser. Tags are grouped exactly (:mod:`tfwatch.ingest.decode.byte_spans`).

Once every byte is known to match its group's layout, payload CRCs are cheap: records of
one group differ only in their wall time, step and value bytes (see
:mod:`tfwatch.ingest.decode.layout_crcs`).
This module reads records one by one; :mod:`tfwatch.ingest.decode.scalar_segments` decides which
records it reads and which go as repeating blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.byte_spans import distinct_spans
from tfwatch.ingest.decode.layout_crcs import Metas, Tensor, crcs_ok
from tfwatch.ingest.tfrecord.byte_views import words_at
from tfwatch.ingest.tfrecord.layout import PayloadCrcError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
_MAX_TAG = 120  # one-byte lengths keep the layout fixed; longer tags use the parser
PAD = 512  # zero bytes appended to a buffer so probes never index past its end


Group = tuple[I64, I64, F64, F64]


@dataclass(eq=False)  # holds arrays: compared by identity
class LayoutScalars:
    """Decoded scalars by tag: chunks of (record indices, steps, values, wall times),
    each tag's chunks in file order."""

    groups: dict[str, list[Group]]
    leftover: I64  # record indices not in the layout
    max_wall: float


def _varints(buf: U8, pos: I64) -> tuple[npt.NDArray[np.uint64], I64]:
    """Decode up to 10-byte varints at ``pos``: (values, byte lengths; 0 = malformed)."""
    # Steps below 2^28 take at most four bytes: one unaligned word, no per-byte loop.
    w = words_at(buf, "<u4")[pos].astype(np.uint32)
    c1 = (w >> np.uint32(7)) & np.uint32(1)
    c2 = c1 & (w >> np.uint32(15))
    c3 = c2 & (w >> np.uint32(23))
    value = (w & np.uint32(0x7F)) | (((w >> np.uint32(1)) & np.uint32(0x7F << 7)) * c1)
    value |= ((w >> np.uint32(2)) & np.uint32(0x7F << 14)) * c2
    value |= ((w >> np.uint32(3)) & np.uint32(0x7F << 21)) * c3
    values = value.astype(np.uint64)
    length = (1 + c1 + c2 + c3).astype(np.int64)
    longer = np.flatnonzero(c3 & (w >> np.uint32(31)))
    if longer.shape[0]:
        values[longer], length[longer] = _long_varints(buf, pos[longer])
    return values, length


def _long_varints(buf: U8, pos: I64) -> tuple[npt.NDArray[np.uint64], I64]:
    """Byte-by-byte decoding of varints of any length up to 10 bytes."""
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


@dataclass(eq=False)  # holds arrays: compared by identity
class Matched:
    """What the record-by-record matcher found, with each matched record's layout."""

    scalars: LayoutScalars
    idx: I64  # matched records, in file order
    names: list[str]  # distinct tags
    inverse: I64  # each matched record's tag in ``names``
    period: int  # tags repeat every ``period`` records (0: they do not)
    step_len: I64
    value_at: I64  # value offset within the payload
    width: I64
    lengths: I64  # payload lengths


def match_records(
    buf: U8,
    starts: I64,
    lengths: I64,
    scalar_plugin: ScalarPluginCheck | None,
    check_crcs: bool,
) -> Matched | None:
    """The record-by-record matcher (see :mod:`tfwatch.ingest.decode.scalar_segments`) for the
    records ``starts`` (in increasing order) of ``buf``."""
    ok = (lengths >= 18) & (lengths < 256)
    if not ok.any():
        return None
    # The probes read up to a few hundred bytes past a record's start: they look at a
    # zero-padded copy of just these records' bytes (padding the whole buffer would copy
    # all of it for the few records read one by one).
    lo, hi = int(starts[0]), int(starts[-1] + lengths[-1]) + 4  # through the last CRC
    part = np.zeros(hi - lo + PAD, dtype=np.uint8)
    part[: hi - lo] = buf[lo:hi]
    buf, starts = part, starts - lo
    ends = starts + lengths
    ok &= buf[starts] == 0x09
    has_step = buf[starts + 9] == 0x10
    step_raw, step_len = _varints(buf, starts + 10)
    ok &= ~has_step | (step_len > 0)
    off = np.where(has_step, starts + 10 + step_len, starts + 9)
    # 2a <n1> 0a <value_len> 0a <tag_len>: the six header bytes in one word.
    head = words_at(buf, "<u8")[off].view(np.int64)
    ok &= (head & 0xFF00FF00FF) == 0x0A000A002A
    value_len = (head >> 24) & 0xFF
    tag_len = (head >> 40) & 0xFF
    ok &= (tag_len < _MAX_TAG) & (value_len < 128) & (((head >> 8) & 0xFF) == value_len + 2)
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
    walls: F64 = words_at(buf, "<f8")[s + 1]  # type: ignore[assignment]
    steps = np.where(has_step[idx], step_raw[idx], np.uint64(0)).view(np.int64)
    values = words_at(buf, "<f4")[after[idx] + 1].astype(np.float64)
    names, inverse, period = distinct_spans(buf, off[idx] + 6, tl)
    if names is None:
        return None
    metas = _metadata_spans(buf, idx, after, tensor) if tensor is not None else None
    step_len = np.where(has_step[idx], step_len[idx], 0)
    value_at = after[idx] + 1 - s
    width = np.full(idx.shape[0], 4, dtype=np.int64)
    if tensor is not None:
        is_tensor, f64 = tensor[0][idx], tensor[1][idx]
        value_at = np.where(is_tensor, value_at + 7, value_at)
        width = np.where(is_tensor & f64, 8, 4)
    if check_crcs and not crcs_ok(
        buf, s, ends[idx], step_len, after[idx], tensor, idx, inverse, metas
    ):
        raise PayloadCrcError("payload CRC mismatch")
    if tensor is not None and scalar_plugin is not None:
        assert metas is not None
        keep = _tensor_values(buf, idx, after, tensor, names, inverse, values, scalar_plugin, metas)
        if not keep.all():
            period = 0  # the records left no longer repeat
            ok[idx[~keep]] = False
            idx, steps, values, walls, inverse = (
                idx[keep],
                steps[keep],
                values[keep],
                walls[keep],
                inverse[keep],
            )
            step_len, value_at, width = step_len[keep], value_at[keep], width[keep]
    leftover = np.flatnonzero(~ok).astype(np.int64)
    if idx.shape[0] == 0:
        return None
    groups = _split(names, inverse, idx, steps, values, walls, period)
    max_wall = float(np.fmax.reduce(walls, axis=None)) if walls.shape[0] else 0.0
    chunks = {tag: [group] for tag, group in groups.items()}
    scalars = LayoutScalars(groups=chunks, leftover=leftover, max_wall=max_wall)
    matched_lengths = lengths[idx]
    return Matched(scalars, idx, names, inverse, period, step_len, value_at, width, matched_lengths)


class ScalarPluginCheck:
    """What the tensor layout needs to know about plugins (see ``decode.TagPlugins``)."""

    def __init__(self, known: dict[str, str], declares_scalars: Callable[[bytes], bool]) -> None:
        self.known = known
        self.declares_scalars = declares_scalars


def _tensor_layout(
    buf: U8, maybe: I64, after: I64, ends: I64, tag_len: I64, value_len: I64
) -> Tensor:
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


def _metadata_spans(buf: U8, idx: I64, after: I64, tensor: Tensor) -> Metas:
    """The serialised ``SummaryMetadata`` of the matched tensor records that carry one."""
    f64, has_meta, meta_len = tensor[1][idx], tensor[2][idx], tensor[3][idx]
    msel = np.flatnonzero(has_meta)
    if not msel.shape[0]:
        return msel, [], msel
    tlen = np.where(f64[msel], 14, 10)
    meta_at = after[idx][msel] + 2 + tlen + 2
    meta_names, meta_inv, _ = distinct_spans(buf, meta_at, meta_len[msel], text=False)
    return msel, meta_names, meta_inv


def _tensor_values(
    buf: U8,
    idx: I64,
    after: I64,
    tensor: Tensor,
    names: list[str],
    inverse: I64,
    values: F64,
    check: ScalarPluginCheck,
    metas: Metas,
) -> npt.NDArray[np.bool_]:
    """Fill in tensor values; return which matched records really are scalars."""
    is_tensor, f64, has_meta = tensor[0][idx], tensor[1][idx], tensor[2][idx]
    a = after[idx]
    sel = np.flatnonzero(is_tensor & ~f64)
    values[sel] = words_at(buf, "<f4")[a[sel] + 8].astype(np.float64)
    sel = np.flatnonzero(is_tensor & f64)
    values[sel] = words_at(buf, "<f8")[a[sel] + 8]
    keep = np.ones(idx.shape[0], dtype=bool)
    if not is_tensor.any():
        return keep
    # Metadata present: it must declare the scalars plugin (checked once per distinct bytes).
    declared = np.zeros(len(names), dtype=bool)
    msel, meta_names, meta_inv = metas
    if msel.shape[0]:
        if meta_names is None:
            no_tensors: npt.NDArray[np.bool_] = keep & ~is_tensor
            return no_tensors
        good = np.asarray([check.declares_scalars(m) for m in meta_names], dtype=bool)
        keep[msel] = good[meta_inv]
        declared[inverse[msel][good[meta_inv]]] = True
    # No metadata: the tag must be known as scalars (TF1 writes it on the first event only).
    known = np.asarray([check.known.get(n) == "scalars" for n in names], dtype=bool) | declared
    bare = np.flatnonzero(is_tensor & ~has_meta)
    keep[bare] = known[inverse[bare]]
    for g in np.flatnonzero(declared).tolist():
        check.known[names[g]] = "scalars"
    return keep


def _split(
    names: list[str], inverse: I64, idx: I64, steps: I64, values: F64, walls: F64, period: int
) -> dict[str, Group]:
    """Points per tag name, each in file order."""
    groups: dict[str, Group] = {}
    if period and len(set(inverse[:period].tolist())) == period:
        # Each tag once per period: its points are every period-th record.
        for j in range(min(period, idx.shape[0])):
            # Strided views: the store copies what it keeps.
            part = (idx[j::period], steps[j::period], values[j::period], walls[j::period])
            add_group(groups, names[int(inverse[j])], part)
        return groups
    key_type = np.int16 if len(names) < 2**15 else np.int64
    order = np.argsort(inverse.astype(key_type), kind="stable")  # radix sort
    bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(names)))])
    for g, name in enumerate(names):
        sel = order[bounds[g] : bounds[g + 1]]
        add_group(groups, name, (idx[sel], steps[sel], values[sel], walls[sel]))
    return groups


def add_group(groups: dict[str, Group], name: str, part: Group) -> None:
    old = groups.get(name)
    if old is not None:  # two byte strings that decode alike (invalid UTF-8)
        merged = [np.concatenate([o, p]) for o, p in zip(old, part, strict=True)]
        order = np.argsort(merged[0], kind="stable")
        part = (merged[0][order], merged[1][order], merged[2][order], merged[3][order])
    groups[name] = part
