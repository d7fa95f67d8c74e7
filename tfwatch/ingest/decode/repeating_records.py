"""Runs of records that repeat byte for byte but for wall time, step and value.

A training loop that logs the same tags every step writes the same sequence of records
again and again once its step numbers take the same number of varint bytes: from one
period to the next only each record's wall time, step, value and payload CRC change.
Such a run of ``rows`` periods is a 2-D array of bytes, so reading it is column
arithmetic instead of per-record indexing: one comparison of every row with the first
checks every constant byte at once (framing header, length CRC, keys, tag, metadata),
and the varying columns are the points. The first period comes from the record-by-record
matcher (see :mod:`tfwatch.ingest.decode.scalar_layout`), which checked its layout and CRCs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.crc32c import ZERO_ROWS, crc32c, mask_array, padded_distance_table
from tfwatch.ingest.tfrecord.layout import HEADER, PayloadCrcError, growing_ranges

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

#: Blocks of fewer rows or records than these are left to the record-by-record matcher:
#: setting a block up costs about as much as matching a thousand records one by one.
MIN_ROWS = 8
MIN_RECORDS = 1024


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Period:
    """One period of records, as the record-by-record matcher read it."""

    first: int  # index of its first record
    tags: list[str]  # per record
    step_len: I64  # varint bytes of each record's step (0: no step field)
    value_at: I64  # offset of each record's value within its payload
    width: I64  # 4 (float32 value) or 8 (float64)


@dataclass(eq=False)  # holds arrays: compared by identity
class Block:
    """The points of ``rows`` repetitions of a period, per record of the period."""

    first: int  # index of the block's first record
    end: int  # index of the first record after the block
    rows: int
    steps: I64  # (rows, period)
    values: F64
    walls: F64


def read_block(
    buf: U8,
    starts: I64,
    lengths: I64,
    period: Period,
    check_crcs: bool,
    start: int | None = None,
    rows: int | None = None,
) -> Block | None:
    """Read the repetitions of ``period`` from record ``start`` on (by default the period
    itself, which then counts as the first row); None when fewer than
    :data:`MIN_ROWS` rows or :data:`MIN_RECORDS` records repeat it. ``rows`` is what
    :func:`repeats` said for ``start``, when the caller asked it already.

    ``buf`` is the framed buffer (zero padding past the end is fine), ``starts`` and
    ``lengths`` the payloads found in it. With ``check_crcs`` the payload CRCs are
    verified and :class:`PayloadCrcError` is raised if one fails.
    """
    i0, p = period.first, len(period.tags)
    first = i0 if start is None else start
    size = lengths[i0 : i0 + p]
    if rows is None:
        rows = repeats(starts, lengths, period, first)
    if rows < MIN_ROWS or rows * p < MIN_RECORDS:
        return None
    at = starts[i0 : i0 + p] - (int(starts[i0]) - HEADER)  # payload offsets within a row
    row_bytes = int((size + HEADER + 4).sum())
    reference = buf[int(starts[i0]) - HEADER :][:row_bytes]
    base = int(starts[first]) - HEADER
    grid = buf[base : base + rows * row_bytes].reshape(rows, row_bytes)
    fields = _RowFields.cached(at, size, period)
    changed = _changed_columns(grid, reference)
    varying = fields.varying(row_bytes)
    if changed[~varying].any():  # a constant byte differs: stop before that row
        rows = _first_false(np.logical_or(grid == reference, varying).all(axis=1), rows)
    # Every field's bytes of every row in one gather; the fields are views of it.
    raw = np.take(grid[:rows], fields.columns, axis=1)
    steps, varints_ok = _steps(raw, fields, period.step_len)
    rows = _first_false(varints_ok, rows)
    if rows < MIN_ROWS or rows * p < MIN_RECORDS:
        return None
    if rows < raw.shape[0]:
        grid, raw, steps = grid[:rows], raw[:rows], steps[:rows]
        changed = _changed_columns(grid, reference)
    if check_crcs:
        _check_crcs(raw, reference, changed, fields, at, size)
    values = np.empty((rows, p), dtype=np.float64)
    values[:, fields.f32] = raw[:, fields.f32_at].view("<f4")
    values[:, fields.f64] = raw[:, fields.f64_at].view("<f8")
    return Block(
        first=first,
        end=first + rows * p,
        rows=rows,
        steps=steps,
        values=values,
        walls=raw[:, fields.wall_at].view("<f8"),
    )


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class _RowFields:
    """Where the fields of a row's records are. ``columns`` are the bytes of a row that
    are gathered from every row into one compact array; the ``*_at`` slices say where
    each field lies in that array."""

    columns: I64  # the row's columns gathered, in this order:
    wall_at: slice  # 8 bytes per record
    f32: I64  # records with a float32 value ...
    f32_at: slice  # ... and their value bytes
    f64: I64
    f64_at: slice
    short_steps: I64  # records whose step varint takes 1 to 4 bytes: a word each
    short_at: slice
    long_steps: I64  # records with longer step varints: their bytes
    long_at: slice
    crc_at: slice  # 4 bytes per record
    # The wall time, step and value bytes (which the payload CRCs fold in): their
    # positions in the compact array, row columns and records.
    varying_at: I64
    varying_col: I64
    varying_owner: I64

    @staticmethod
    def cached(at: I64, size: I64, period: Period) -> _RowFields:
        """:meth:`of`, kept by layout: the blocks that resume a period, and the runs of
        a sweep, log the same tags the same way (working a layout out took a third of a
        millisecond per block, a tenth of the time to read a 4,000-event file)."""
        key = b"".join(
            a.astype(np.int64, copy=False).tobytes()
            for a in (at, size, period.step_len, period.value_at, period.width)
        )
        fields = _FIELDS.get(key)
        if fields is None:
            if len(_FIELDS) >= _FIELDS_KEPT:
                _FIELDS.clear()
            fields = _FIELDS[key] = _RowFields.of(at, size, period)
        return fields

    @staticmethod
    def of(at: I64, size: I64, period: Period) -> _RowFields:
        """The fields of ``period``'s records, whose payloads start at ``at`` in the row
        and are ``size`` bytes long."""
        step_len, width = period.step_len, period.width
        value_col = at + period.value_at
        f32, f64 = np.flatnonzero(width == 4), np.flatnonzero(width == 8)
        short = np.flatnonzero((step_len > 0) & (step_len <= 4))
        long = np.flatnonzero(step_len > 4)
        parts = [
            (at[:, None] + np.arange(1, 9)).ravel(),
            (value_col[f32][:, None] + np.arange(4)).ravel(),
            (value_col[f64][:, None] + np.arange(8)).ravel(),
            (at[short][:, None] + 10 + np.arange(4)).ravel(),
            _columns(at[long] + 10, step_len[long]),
            ((at + size)[:, None] + np.arange(4)).ravel(),
        ]
        bounds = np.cumsum([0] + [c.shape[0] for c in parts]).tolist()
        spans = [slice(a, b) for a, b in itertools.pairwise(bounds)]
        columns = np.concatenate(parts)
        # The varying bytes: all of the wall time and value, the step's own bytes.
        p = at.shape[0]
        in_step = np.arange(4) < step_len[short][:, None]
        varying_at = np.concatenate(
            [
                np.arange(spans[0].start, spans[2].stop),
                (spans[3].start + np.flatnonzero(in_step.ravel())),
                np.arange(spans[4].start, spans[4].stop),
            ]
        )
        owner_parts = [
            np.repeat(np.arange(p), 8),
            np.repeat(f32, 4),
            np.repeat(f64, 8),
            np.repeat(short, 4)[in_step.ravel()],
            np.repeat(long, step_len[long]),
        ]
        return _RowFields(
            columns=columns,
            wall_at=spans[0],
            f32=f32,
            f32_at=spans[1],
            f64=f64,
            f64_at=spans[2],
            short_steps=short,
            short_at=spans[3],
            long_steps=long,
            long_at=spans[4],
            crc_at=spans[5],
            varying_at=varying_at,
            varying_col=columns[varying_at],
            varying_owner=np.concatenate(owner_parts),
        )

    def varying(self, row_bytes: int) -> npt.NDArray[np.bool_]:
        """Per column of a row, whether it may differ between rows."""
        out = np.zeros(row_bytes, dtype=bool)
        out[self.varying_col] = True
        out[self.columns[self.crc_at]] = True
        return out


_FIELDS: dict[bytes, _RowFields] = {}  # see _RowFields.cached
_FIELDS_KEPT = 256

_CACHE_ROWS_BYTES = 128 << 10  # compare this much of the grid at a time (stays in cache)
_LOOKUP_BYTES = 512 << 10  # CRC lookups: index temporaries of about this size


def _changed_columns(grid: U8, reference: U8) -> npt.NDArray[np.bool_]:
    """Per column, whether some row's byte differs from the reference row's.

    Compared as 8-byte words (``g`` rows to a word row where the row length needs it):
    XOR with the reference, then OR over the rows, leaves the bits that ever changed."""
    rows, width = grid.shape
    g = 8 // math.gcd(width, 8)
    full = rows - rows % g
    changed = np.zeros(width, dtype=bool)
    if full:
        words = grid[:full].reshape(full // g, g * width).view("<u8")
        ref = np.tile(reference, g).view("<u8")
        diff = np.zeros(ref.shape[0], dtype=np.uint64)
        step = max(1, _CACHE_ROWS_BYTES // (g * width))
        for a in range(0, words.shape[0], step):
            diff |= np.bitwise_or.reduce(words[a : a + step] ^ ref, axis=0)
        changed = np.asarray(diff.view(np.uint8).reshape(g, width).any(axis=0))
    if full < rows:
        changed |= (grid[full:] != reference).any(axis=0)
    return changed


def repeats(starts: I64, lengths: I64, period: Period, first: int | None = None) -> int:
    """How many periods from record ``first`` (by default the period's own first record)
    have the period's record lengths, back to back: the most rows a block there can
    have."""
    size = lengths[period.first : period.first + len(period.tags)]
    return _rows_alike(starts, lengths, period.first if first is None else first, size)


def _rows_alike(starts: I64, lengths: I64, first: int, size: I64) -> int:
    """How many periods from record ``first`` have the record lengths ``size``, back to
    back."""
    p = size.shape[0]
    most = (starts.shape[0] - first) // p
    if most < 2:
        return 0
    row_bytes = int((size + HEADER + 4).sum())
    rows = 0
    # Growing steps: a pattern broken soon costs little, however long the buffer.
    for a, b in growing_ranges(most):
        shape = lengths[first + a * p : first + b * p].reshape(b - a, p)
        alike = (shape == size).all(axis=1)
        # Damage skipped between records breaks the rows apart.
        heads = starts[first + a * p : first + b * p : p]
        alike &= heads == starts[first] + row_bytes * np.arange(a, b)
        rows = a + _first_false(alike, b - a)
        if rows < b:
            break
    return rows


def _first_false(ok: npt.NDArray[np.bool_], limit: int) -> int:
    bad = np.flatnonzero(~ok[:limit])
    return int(bad[0]) if bad.shape[0] else limit


def _columns(first: I64, count: I64) -> I64:
    """Columns ``first[r] .. first[r] + count[r] - 1`` of every record ``r``, in order."""
    if not count.shape[0] or int(count.max()) == 0:
        return np.empty(0, dtype=np.int64)
    k = np.arange(int(count.max()))
    cols = first[:, None] + k
    return cols[k < count[:, None]]


def _steps(raw: U8, fields: _RowFields, step_len: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Each row's steps, and which rows' step varints end where the first row's do (the
    continuation bits are all that can make a varint longer or shorter)."""
    rows = raw.shape[0]
    out = np.zeros((rows, step_len.shape[0]), dtype=np.uint64)
    ok = np.ones(rows, dtype=bool)
    short = fields.short_steps
    if short.shape[0]:
        # Steps below 2^28 (up to four varint bytes): one word per record, the bytes
        # unpacked by masks and shifts.
        short_len = step_len[short]
        words = raw[:, fields.short_at].view("<u4") & _LOW_BYTES[short_len]
        # Every byte's continuation bit is set but the last's.
        wrong = (words & _HIGH_BITS[short_len]) != _HIGH_BITS[short_len - 1]
        if wrong.any():
            ok &= ~wrong.any(axis=1)
        low7 = np.uint32(0x7F)
        value = words & low7
        for j in range(1, int(short_len.max())):
            value |= (words >> np.uint32(j)) & (low7 << np.uint32(7 * j))
        out[:, short] = value
    first = fields.long_at.start
    for r in fields.long_steps.tolist():
        k = int(step_len[r])
        raw_step = raw[:, first : first + k]
        first += k
        wrong = (raw_step >= 0x80) != (np.arange(k) < k - 1)
        if wrong.any():
            ok &= ~wrong.any(axis=1)
        value = np.zeros(rows, dtype=np.uint64)
        for j in range(k):
            value |= (raw_step[:, j] & np.uint8(0x7F)).astype(np.uint64) << np.uint64(7 * j)
        out[:, r] = value
    steps: I64 = out.view(np.int64)
    return steps, ok


_HIGH_BITS = np.array([0, 0x80, 0x8080, 0x808080, 0x80808080], dtype=np.uint32)
_LOW_BYTES = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], dtype=np.uint32)


def _check_crcs(
    raw: U8,
    reference: U8,
    changed: npt.NDArray[np.bool_],
    fields: _RowFields,
    at: I64,
    size: I64,
) -> None:
    """Verify every payload CRC of the block (see ``layout_crcs.crcs_ok`` for the
    arithmetic): only the varying bytes that differ from the reference row somewhere in
    the block are looked up, and the reference row's records give each record's
    constant with one C call."""
    rows, p = raw.shape[0], at.shape[0]
    keep = changed[fields.varying_col]
    cols, owner = fields.varying_col[keep], fields.varying_owner[keep]
    order = np.argsort(owner, kind="stable")
    cols, owner, positions = cols[order], owner[order], fields.varying_at[keep][order]
    # Slot-major layout: slot j of every record side by side, so the lookups of each
    # record XOR together slot by slot. Records with fewer changed bytes fill their
    # slots with a lookup in one of the zero rows before the table.
    count = np.bincount(owner, minlength=p)
    slot = np.arange(cols.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    slots = max(1, int(count.max()))
    by_slot = np.zeros((slots, p), dtype=np.int64)
    shifts = np.zeros((slots, p), dtype=np.int64)
    by_slot[slot, owner] = positions
    shifts[slot, owner] = (ZERO_ROWS + (at + size - 1)[owner] - cols) << 8
    layout, offset = by_slot.ravel(), shifts.ravel()
    table = padded_distance_table(int(size.max()))

    def lookups(part: U8) -> npt.NDArray[np.uint32]:
        """(rows, p): the XOR of each record's looked-up bytes."""
        looked_up = table.take(np.take(part, layout, axis=1) + offset)
        per_slot = looked_up.reshape(part.shape[0], slots, p)
        xor: npt.NDArray[np.uint32] = per_slot[:, 0].copy()
        for j in range(1, slots):
            xor ^= per_slot[:, j]
        return xor

    varying = np.empty((rows, p), dtype=np.uint32)
    # A slice of rows at a time bounds the lookups' temporaries.
    chunk = max(1, _LOOKUP_BYTES // (8 * layout.shape[0]))
    for a in range(0, rows, chunk):
        varying[a : a + chunk] = lookups(raw[a : a + chunk])
    of_reference = lookups(reference[None, fields.columns])[0]
    constant = np.asarray(
        [
            crc32c(reference[int(a) : int(a) + int(n)].tobytes()) ^ int(v)
            for a, n, v in zip(at.tolist(), size.tolist(), of_reference.tolist(), strict=True)
        ],
        dtype=np.uint32,
    )
    stored = raw[:, fields.crc_at].view("<u4")
    if not np.array_equal(mask_array(constant[None, :] ^ varying), stored):
        raise PayloadCrcError("payload CRC mismatch")
