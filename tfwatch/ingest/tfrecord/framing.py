"""Incremental TFRecord framing over a file's newly appended bytes.

A record is ``uint64 length | uint32 masked_crc(length) | payload | uint32 masked_crc(payload)``.
:func:`frame` takes the bytes read from a file offset and returns where every complete,
checksum-verified payload lies, how many bytes were consumed, and the damage found.

The fast path finds candidate record starts for the whole buffer at once (every event
payload written by TF, PyTorch or tensorboardX begins with the ``wall_time`` key byte
``0x09``) and accepts them only if they chain exactly from the first byte to the end or
to a partial tail. Anything else goes through :func:`_walk`, the sequential reader that
also locates damage and resynchronises on the next valid record (:mod:`.walk`).
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.byte_views import row_words
from tfwatch.ingest.tfrecord.crc32c import crc32c, crc32c_at, mask, mask_array
from tfwatch.ingest.tfrecord.layout import (
    FOOTER,
    HEADER,
    I64,
    MAX_RECORD,
    Framing,
    growing_ranges,
    u32_at,
    u64_at,
)
from tfwatch.ingest.tfrecord.walk import walk

# Payloads up to this size have their CRCs checked in lockstep; longer ones one by one.
_LOCKSTEP_MAX = 512
# Fewer records of one length than this are checked one C call each (a lockstep pass
# costs one NumPy call per byte of the length).
_LOCKSTEP_MIN = 32


def frame(data: bytes, final: bool = False, verify_payloads: bool = True) -> Framing:
    """Frame ``data`` (bytes starting at a record boundary).

    ``final`` says no more bytes will come (one-shot reads): a cut-short record at the end
    is then reported as ``truncated`` damage instead of being left pending.

    With ``verify_payloads`` False, a buffer that chains cleanly comes back with its
    payload CRCs unchecked (``payloads_verified`` False): the decoder checks them more
    cheaply once it knows which bytes records share, and raises :class:`PayloadCrcError`
    if one fails, after which the caller frames again with checking on.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    fast = _frame_fast(buf, verify_payloads)
    result = fast if fast is not None else walk(data, buf, final)
    if final and result.pending:
        last = result.damage[-1] if result.damage else None
        if last is not None and last[0] + last[2] == result.consumed:
            result.damage[-1] = (last[0], last[1], last[2] + result.pending)
        else:
            result.damage.append((result.consumed, "truncated", result.pending))
        result.consumed += result.pending
        result.pending = 0
    return result


def _frame_fast(buf: npt.NDArray[np.uint8], verify_payloads: bool = True) -> Framing | None:
    """Whole-buffer framing when every record chains cleanly; None means walk instead.

    Record starts are searched for in a window; where the window's last records repeat
    a pattern of lengths (a training loop logging the same tags every step), the pattern
    is extrapolated and checked at once: every following record whose 12 header bytes
    (length and its CRC) equal the pattern's is framed without a search.
    """
    size = buf.shape[0]
    if size < HEADER + FOOTER + 1:
        return None
    heads: list[I64] = []
    sizes: list[I64] = []
    pos, pending = 0, 0
    while pos < size:
        walked = _walk_headers(buf, pos)
        if walked is not None:
            # A few records read one by one are often enough to see the pattern: a
            # training loop's row of tags, or a file's first event and then its rows.
            more = _extrapolate(buf, walked[0], walked[1], walked[2])
            if more is not None:
                heads += [walked[0], more[0]]
                sizes += [walked[1], more[1]]
                pos = int(more[0][-1] + HEADER + more[1][-1] + FOOTER)
                continue
        final = size - pos <= 2 * _SCAN
        found = _scan(buf, pos, size if final else pos + _SCAN)
        if found is None:
            return None
        cand, lengths, pos, pending = found
        heads.append(cand)
        sizes.append(lengths)
        if final:
            break
        more = _extrapolate(buf, cand, lengths, pos)
        if more is not None:
            heads.append(more[0])
            sizes.append(more[1])
            pos = int(more[0][-1] + HEADER + more[1][-1] + FOOTER)
    cand, lengths = np.concatenate(heads), np.concatenate(sizes)
    if cand.shape[0] == 0:
        return None
    starts = cand + HEADER
    if verify_payloads and not payloads_ok(buf, starts, lengths):
        return None
    return Framing(
        starts=starts,
        lengths=lengths,
        consumed=size - pending,
        pending=pending,
        payloads_verified=verify_payloads,
    )


_SCAN = 64 << 10  # bytes searched for record starts before a pattern is extrapolated
_MAX_PATTERN = 256  # records in the longest repeating pattern of lengths looked for
_WALK = 48  # records followed one by one before a search (a pattern of up to 15)
_U64 = struct.Struct("<Q")


def _walk_headers(buf: npt.NDArray[np.uint8], pos: int) -> tuple[I64, I64, int] | None:
    """The next :data:`_WALK` records from ``pos``, followed by their lengths and checked
    by their length CRCs: (header offsets, lengths, offset after them); None if they do
    not all lie whole in ``buf`` or a header is wrong (then the search decides)."""
    size = buf.shape[0]
    heads, lengths = [], []
    unpack, view = _U64.unpack_from, buf.data
    for _ in range(_WALK):
        if pos + HEADER > size:
            return None
        (n,) = unpack(view, pos)
        if n > MAX_RECORD or pos + HEADER + n + FOOTER > size:
            return None
        heads.append(pos)
        lengths.append(n)
        pos += HEADER + n + FOOTER
    cand = np.asarray(heads, dtype=np.int64)
    sizes = np.asarray(lengths, dtype=np.int64)
    if not _headers_ok(buf, cand, sizes):
        return None
    return cand, sizes, pos


def _scan(buf: npt.NDArray[np.uint8], pos: int, stop: int) -> tuple[I64, I64, int, int] | None:
    """Records chained from ``pos`` whose headers start before ``stop``: (header offsets,
    lengths, offset after the last one, pending bytes). With ``stop`` at the end of the
    buffer a record cut short there is pending; None when the chain breaks."""
    size = buf.shape[0]
    final = stop >= size
    # Candidates: payload starts with 0x09 and the length's upper 32 bits are zero.
    window = buf[pos + HEADER : stop + HEADER]
    cand = np.flatnonzero(window == 0x09).astype(np.int64) + pos
    if cand.shape[0] == 0 or cand[0] != pos:
        return None
    lengths = u64_at(buf, cand)
    small = (lengths >> 32) == 0
    if not small.all():
        cand, lengths = cand[small], lengths[small]
    if cand.shape[0] == 0 or cand[0] != pos:
        return None
    nxt = cand + HEADER + lengths + FOOTER
    # Follow the chain with vectorised checks: in the clean case every candidate is a
    # record and each one's successor is the next candidate.
    if cand.shape[0] > 1 and not np.array_equal(nxt[:-1], cand[1:]):
        keep = _chain(cand, nxt, None if final else stop)
        if keep is None:
            return None
        cand, lengths, nxt = cand[keep], lengths[keep], nxt[keep]
    pending = 0
    if nxt[-1] > size:
        if not final:
            return None  # a record longer than what is left: let the walk decide
        # The last record is still being written (or the file was cut there).
        tail = int(cand[-1])
        if lengths[-1] > MAX_RECORD or not _headers_ok(buf, cand[-1:], lengths[-1:]):
            return None
        pending = size - tail
        cand, lengths, nxt = cand[:-1], lengths[:-1], nxt[:-1]
        if cand.shape[0] == 0:
            return (cand, lengths, pos, pending) if pos else None
    elif final and nxt[-1] != size:
        trailing = size - int(nxt[-1])
        if trailing >= HEADER:
            return None  # bytes after the chain that are not a record: walk them
        pending = trailing
    if not _headers_ok(buf, cand, lengths):
        return None
    return cand, lengths, int(nxt[-1]), pending


def last_period(lengths: I64) -> int:
    """The smallest ``p`` (up to :data:`_MAX_PATTERN`) whose last three periods of record
    lengths are alike, 0 if none: the row of tags a training loop writes."""
    n = lengths.shape[0]
    for p in range(1, min(_MAX_PATTERN, n // 3) + 1):
        last = lengths[n - p :]
        if np.array_equal(lengths[n - 2 * p : n - p], last) and np.array_equal(
            lengths[n - 3 * p : n - 2 * p], last
        ):
            return p
    return 0


def _extrapolate(
    buf: npt.NDArray[np.uint8], cand: I64, lengths: I64, pos: int
) -> tuple[I64, I64] | None:
    """The records from ``pos`` on that repeat the last records' pattern of lengths,
    verified by their headers: (header offsets, lengths), or None."""
    n = cand.shape[0]
    p = last_period(lengths)
    if not p:
        return None
    first = int(cand[n - p])
    row = pos - first
    rows = (buf.shape[0] - pos) // row
    if rows < 1:
        return None
    offsets = cand[n - p :] - first
    crcs = u32_at(buf, cand[n - p :] + 8)
    pattern = lengths[n - p :].astype(np.uint64)
    width = int(offsets[-1]) + 1  # the last header's first byte (headers lie in the row)
    total, rows = rows, 0
    # Growing steps: a pattern broken soon costs little, however long the buffer.
    for a, b in growing_ranges(total):
        # Every record's length and length CRC in every row, gathered as words.
        start, count = pos + a * row, b - a
        length_words = row_words(buf, "<u8", start, count, row, width)
        crc_words = row_words(buf, "<u4", start, count, row, width + 8)
        alike = (length_words[:, offsets] == pattern).all(axis=1)
        alike &= (crc_words[:, offsets + 8] == crcs).all(axis=1)
        if not alike.all():
            rows = a + int(np.flatnonzero(~alike)[0])
            break
        rows = b
    if rows == 0:
        return None
    heads = (pos + np.arange(rows, dtype=np.int64)[:, None] * row + offsets).ravel()
    return heads, np.tile(lengths[n - p :], rows)


def _chain(cand: I64, nxt: I64, stop: int | None = None) -> npt.NDArray[np.intp] | None:
    """Indices of the candidates reachable from the first one, or None if the chain
    breaks. With ``stop``, the chain may end at a successor at or past ``stop`` (the
    candidates were only looked for before it)."""
    index = {p: i for i, p in enumerate(cand.tolist())}
    keep: list[int] = []
    i: int | None = 0
    nxt_list = nxt.tolist()
    last = int(cand[-1])
    while i is not None:
        keep.append(i)
        target = nxt_list[i]
        i = index.get(target)
        if i is None and stop is not None and target >= stop:
            return np.asarray(keep, dtype=np.intp)
        if i is None and target <= last:
            return None  # successor is not a candidate: damage or an unusual event
    if keep[-1] != len(nxt_list) - 1 and nxt_list[keep[-1]] > last:
        return None  # the chain ends early (a corrupt length?): let the walk decide
    return np.asarray(keep, dtype=np.intp)


def _headers_ok(buf: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> bool:
    # The length CRC depends on the length alone: small lengths come from a table.
    stored = u32_at(buf, starts + 8)
    big = lengths >= _TABLED_LENGTHS
    small = np.where(big, 0, lengths)
    expected = _LENGTH_CRCS.table(int(small.max()) + 1)[small]
    for i in np.flatnonzero(big).tolist():
        expected[i] = mask(crc32c(int(lengths[i]).to_bytes(8, "little")))
    return bool(np.array_equal(expected, stored))


class _LengthCrcs:
    """Masked CRCs of the 8-byte lengths ``0..n-1``, grown on demand."""

    def __init__(self) -> None:
        self._table = np.empty(0, dtype=np.uint32)

    def table(self, n: int) -> npt.NDArray[np.uint32]:
        have = self._table.shape[0]
        if have < n:
            more = [mask(crc32c(i.to_bytes(8, "little"))) for i in range(have, max(n, 2 * have))]
            self._table = np.concatenate([self._table, np.asarray(more, dtype=np.uint32)])
        return self._table


_TABLED_LENGTHS = 1 << 16
_LENGTH_CRCS = _LengthCrcs()


def payloads_ok(buf: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> bool:
    """Whether every payload ``buf[start:start+length]`` matches the CRC stored after it."""
    if starts.shape[0] == 0:
        return True
    stored = u32_at(buf, starts + lengths)
    # Records of one length are checked in lockstep; sorting by length groups them.
    order = np.argsort(lengths, kind="stable")
    by_length = lengths[order]
    cuts = np.flatnonzero(np.diff(by_length)) + 1
    for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), int(by_length.shape[0])], strict=True):
        length, sel = int(by_length[a]), order[a:b]
        if length <= _LOCKSTEP_MAX and b - a >= _LOCKSTEP_MIN:
            crc = mask_array(crc32c_at(buf, starts[sel], length))
            if not np.array_equal(crc, stored[sel]):
                return False
        else:
            for i in sel.tolist():
                s = int(starts[i])
                if mask(crc32c(buf[s : s + length].tobytes())) != int(stored[i]):
                    return False
    return True
