"""Runs of records that repeat byte for byte but for wall time, step and value.

A training loop that logs the same tags every step writes the same sequence of records
again and again once its step numbers take the same number of varint bytes: from one
period to the next only each record's wall time, step, value and payload CRC change.
Such a run of ``rows`` periods is a 2-D array of bytes, so reading it is column
arithmetic instead of per-record indexing: one comparison of every row with the first
checks every constant byte at once (framing header, length CRC, keys, tag, metadata),
and the varying columns are the points. The first period comes from the record-by-record
matcher (see :mod:`tfwatch.ingest.scalar_layout`), which checked its layout and CRCs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.crc32c import crc32c, distance_table, mask_array
from tfwatch.ingest.records import HEADER, PayloadCrcError, growing_ranges

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

#: Blocks of fewer rows or records than these are left to the record-by-record matcher:
#: reading a block costs about as much as matching two thousand records one by one.
MIN_ROWS = 8
MIN_RECORDS = 2048


@dataclass(frozen=True)
class Period:
    """One period of records, as the record-by-record matcher read it."""

    first: int  # index of its first record
    tags: list[str]  # per record
    step_len: I64  # varint bytes of each record's step (0: no step field)
    value_at: I64  # offset of each record's value within its payload
    width: I64  # 4 (float32 value) or 8 (float64)


@dataclass
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
    wall = at[:, None] + np.arange(1, 9)
    value = _columns(at + period.value_at, period.width)
    step = _columns(at + 10, period.step_len)
    crc = (at + size)[:, None] + np.arange(4)
    varying = np.zeros(row_bytes, dtype=bool)
    for cols in (wall.ravel(), value, step, crc.ravel()):
        varying[cols] = True
    unchanged = _unchanged_columns(grid, reference)
    if not unchanged[~varying].all():  # a constant byte differs: stop before that row
        rows = _first_false(np.logical_or(grid == reference, varying).all(axis=1), rows)
    steps, varints_ok = _steps(grid, at, period.step_len)
    rows = _first_false(varints_ok, rows)
    if rows < MIN_ROWS or rows * p < MIN_RECORDS:
        return None
    if rows < grid.shape[0]:
        grid, steps = grid[:rows], steps[:rows]
        unchanged = _unchanged_columns(grid, reference)
    if check_crcs:
        _check_crcs(grid, reference, unchanged, at, size, wall, step, value, crc)
    walls = _take(grid, wall.ravel()).view("<f8")
    return Block(
        first=first,
        end=first + rows * p,
        rows=rows,
        steps=steps,
        values=_values(grid, at + period.value_at, period.width),
        walls=walls.astype(np.float64, copy=False),
    )


_CACHE_ROWS_BYTES = 128 << 10  # compare this much of the grid at a time (stays in cache)


def _unchanged_columns(grid: U8, reference: U8) -> npt.NDArray[np.bool_]:
    """Per column, whether every row holds the reference row's byte."""
    step = max(1, _CACHE_ROWS_BYTES // grid.shape[1])
    out = np.ones(grid.shape[1], dtype=bool)
    for a in range(0, grid.shape[0], step):
        out &= (grid[a : a + step] == reference).all(axis=0)
    return out


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


def _take(grid: U8, cols: I64) -> U8:
    """Columns ``cols`` of every row, C-ordered (``grid[:, cols]`` may come back
    column-major, which ``view`` cannot reinterpret)."""
    out: U8 = np.take(grid, cols, axis=1)
    return out


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


def _steps(grid: U8, at: I64, step_len: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Each row's steps, and which rows' step varints end where the first row's do (the
    continuation bits are all that can make a varint longer or shorter)."""
    out = np.zeros((grid.shape[0], at.shape[0]), dtype=np.uint64)
    ok = np.ones(grid.shape[0], dtype=bool)
    for k in sorted(set(step_len.tolist()) - {0}):
        sel = np.flatnonzero(step_len == k)
        cols = at[sel][:, None] + 10 + np.arange(k)
        raw = _take(grid, cols.ravel()).reshape(-1, *cols.shape)  # (rows, records, k)
        if k == 1:
            wrong = raw[:, :, 0] >= 0x80
            if wrong.any():
                ok &= ~wrong.any(axis=1)
            out[:, sel] = raw[:, :, 0]
            continue
        wrong = (raw >= 0x80) != (np.arange(k) < k - 1)
        if wrong.any():
            ok &= ~wrong.any(axis=(1, 2))
        value = np.zeros(raw.shape[:2], dtype=np.uint64)
        for j in range(k):
            value |= (raw[:, :, j] & np.uint8(0x7F)).astype(np.uint64) << np.uint64(7 * j)
        out[:, sel] = value
    steps: I64 = out.view(np.int64)
    return steps, ok


def _values(grid: U8, first: I64, width: I64) -> F64:
    out = np.empty((grid.shape[0], first.shape[0]), dtype=np.float64)
    for w, dtype in ((4, "<f4"), (8, "<f8")):
        sel = np.flatnonzero(width == w)
        if sel.shape[0]:
            raw = _take(grid, (first[sel][:, None] + np.arange(w)).ravel())
            out[:, sel] = raw.view(dtype)
    return out


def _check_crcs(
    grid: U8,
    reference: U8,
    unchanged: npt.NDArray[np.bool_],
    at: I64,
    size: I64,
    wall: I64,
    step: I64,
    value: I64,
    crc: I64,
) -> None:
    """Verify every payload CRC of the block (see ``scalar_layout._crcs_ok`` for the
    arithmetic): only the varying bytes that differ from the reference row somewhere in
    the block are looked up, and the reference row's records give each record's
    constant with one C call."""
    p = at.shape[0]
    cols = np.concatenate([wall.ravel(), step, value])
    owner = np.searchsorted(at, cols, side="right") - 1  # the record each column is in
    order = np.lexsort((cols, owner))
    cols, owner = cols[order], owner[order]
    first_of_record = np.ones(cols.shape[0], dtype=bool)
    first_of_record[1:] = owner[1:] != owner[:-1]
    changes = ~unchanged[cols] | first_of_record  # one column per record at least
    cols, owner = cols[changes], owner[changes]
    row_of_table = ((at + size - 1)[owner] - cols) << 8
    table = distance_table(int(size.max()))
    by_record = np.searchsorted(owner, np.arange(p))

    def lookups(rows: U8) -> npt.NDArray[np.uint32]:
        """(rows, p): the XOR of each record's looked-up columns."""
        out = np.empty((rows.shape[0], p), dtype=np.uint32)
        index = row_of_table.astype(np.int32)[None, :]
        # A slice of rows at a time, so the lookups' temporaries stay in cache.
        step = max(1, _CACHE_ROWS_BYTES // (4 * cols.shape[0]))
        for a in range(0, rows.shape[0], step):
            looked_up = table[index + _take(rows[a : a + step], cols)]
            out[a : a + step] = np.bitwise_xor.reduceat(looked_up, by_record, axis=1)
        return out

    varying = lookups(grid)
    of_reference = lookups(reference[None, :])[0]
    constant = np.asarray(
        [
            crc32c(reference[int(a) : int(a) + int(n)].tobytes()) ^ int(v)
            for a, n, v in zip(at.tolist(), size.tolist(), of_reference.tolist(), strict=True)
        ],
        dtype=np.uint32,
    )
    stored = _take(grid, crc.ravel()).view("<u4")
    if not np.array_equal(mask_array(constant[None, :] ^ varying), stored):
        raise PayloadCrcError("payload CRC mismatch")
