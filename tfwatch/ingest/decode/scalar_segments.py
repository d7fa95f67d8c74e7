"""Scalar events of one buffer, read in segments.

A window of records goes through the record-by-record matcher
(:mod:`tfwatch.ingest.decode.scalar_layout`); where its tags repeat with a period, the
repetitions that follow are read as one block (:mod:`tfwatch.ingest.decode.repeating_records`),
and a pattern interrupted by other records (an evaluation every few thousand steps)
resumes with the same template, the records between blocks matched together at the end.
Where nothing repeats for long, windows grow, so such a file costs what the matcher does.
"""

from __future__ import annotations

import numpy as np

from tfwatch.ingest.decode.repeating_records import (
    MIN_RECORDS,
    MIN_ROWS,
    Block,
    Period,
    read_block,
    repeats,
)
from tfwatch.ingest.decode.scalar_layout import (
    I64,
    U8,
    Group,
    LayoutScalars,
    Matched,
    ScalarPluginCheck,
    add_group,
    match_records,
)


def match_scalar_layouts(
    data: bytes,
    starts: I64,
    lengths: I64,
    scalar_plugin: ScalarPluginCheck | None = None,
    check_crcs: bool = False,
) -> LayoutScalars | None:
    """Decode the records in either scalar layout; None when none of them are.

    ``scalar_plugin`` tells whether a tag is known to carry the ``scalars`` plugin and
    whether a serialised ``SummaryMetadata`` declares it; without it, tensor scalars
    are left to the parser. With ``check_crcs``, the payload CRCs of the records it
    decodes are verified (before anything is remembered from them) and
    :class:`PayloadCrcError` is raised if one fails.

    The buffer is read in segments: a window of records goes through the record-by-
    record matcher, and where its tags repeat with a period, the repetitions that follow
    are read as a block (:mod:`tfwatch.ingest.decode.repeating_records`).
    """
    n = starts.shape[0]
    if not ((lengths >= 18) & (lengths < 256)).any():
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    parts: list[LayoutScalars] = []
    gaps: list[I64] = []  # records between blocks of one pattern, matched together last
    pos, window = 0, _WINDOW
    period: Period | None = None
    while pos < n:
        block = _resumed(buf, starts, lengths, period, check_crcs, pos)
        grown = None if block is not None else _grown(buf, starts, lengths, period, pos)
        if grown is not None:
            block = read_block(buf, starts, lengths, grown, check_crcs)
            if block is not None:
                period = grown
        if block is not None:
            if block.first > pos:
                gaps.append(np.arange(pos, block.first, dtype=np.int64))
        else:
            end = min(n, pos + window)
            head = match_records(buf, starts[pos:end], lengths[pos:end], scalar_plugin, check_crcs)
            short_end = end  # where a repeating run too short for a block ends
            for period in _periods_of(head, pos):
                rows = repeats(starts, lengths, period)
                p = len(period.tags)
                if rows >= MIN_ROWS and rows * p >= MIN_RECORDS:
                    block = read_block(buf, starts, lengths, period, check_crcs, rows=rows)
                    if block is not None:
                        break
                elif rows >= MIN_ROWS:
                    short_end = max(short_end, period.first + rows * p)
            if block is None:
                # Nothing long repeats here: keep what the window matched and read on in
                # a longer window, through the end of a short run (a file that never
                # repeats goes in long windows).
                period = None
                parts.append(_shifted(head.scalars, pos) if head else _all_left(pos, end))
                pos = end
                window = max(min(window * 4, _WINDOW_MAX), short_end - end + _WINDOW)
                continue
            if head is not None:
                parts.append(_shifted(head.scalars, pos, below=block.first - pos))
        assert period is not None
        parts.append(_block_scalars(block, period))
        pos, window = block.end, _WINDOW
    if gaps:
        parts.append(
            _gap_scalars(buf, starts, lengths, np.concatenate(gaps), scalar_plugin, check_crcs)
        )
    return _joined(parts)


_MAX_GAP = 16  # records between two blocks of one pattern (an evaluation, a histogram)


def _resumed(
    buf: U8, starts: I64, lengths: I64, period: Period | None, check_crcs: bool, pos: int
) -> Block | None:
    """The block of ``period``'s pattern that resumes within a few records of ``pos``."""
    if period is None:
        return None
    p = len(period.tags)
    pattern = lengths[period.first : period.first + p]
    for first in range(pos, min(pos + _MAX_GAP, starts.shape[0]) + 1):
        if not np.array_equal(lengths[first : first + p], pattern):
            continue
        block = read_block(buf, starts, lengths, period, check_crcs, start=first)
        if block is not None:
            return block
    return None


def _grown(buf: U8, starts: I64, lengths: I64, period: Period | None, pos: int) -> Period | None:
    """``period`` with every step one varint byte longer, from record ``pos`` on: what a
    training loop writes once its steps reach 128, 16,384, 2,097,152... None unless the
    records at ``pos`` are exactly that.

    Their bytes are compared with ``period``'s first records (which the record matcher
    checked), all but the wall time, step and value, so they need no matching of their
    own; the block reader then checks the new steps' varints and every CRC."""
    if period is None:
        return None
    p, i0 = len(period.tags), period.first
    stepped = (period.step_len > 0).astype(np.int64)
    new = slice(pos, pos + p)
    if pos + p > starts.shape[0] or not stepped.any():
        return None
    if not np.array_equal(lengths[new], lengths[i0 : i0 + p] + stepped):
        return None
    if not np.array_equal(starts[new][1:], starts[new][:-1] + lengths[new][:-1] + 16):
        return None  # not back to back (bytes skipped between them)
    mv = buf.data  # (slices of a memoryview compare as bytes, without copies)
    for r in range(p):
        o, g = int(starts[i0 + r]), int(starts[pos + r])
        size, k = int(lengths[i0 + r]), int(period.step_len[r])
        v, w, d = int(period.value_at[r]), int(period.width[r]), int(stepped[r])
        # Key of the wall time; the step's key; what lies between the step and the
        # value; what follows the value.
        if not (
            mv[o] == mv[g]
            and mv[o + 9 : o + 10] == mv[g + 9 : g + 10]
            and mv[o + 10 + k : o + v] == mv[g + 10 + k + d : g + v + d]
            and mv[o + v + w : o + size] == mv[g + v + w + d : g + size + d]
        ):
            return None
    return Period(
        first=pos,
        tags=period.tags,
        step_len=period.step_len + stepped,
        value_at=period.value_at + stepped,
        width=period.width,
    )


def _gap_scalars(
    buf: U8,
    starts: I64,
    lengths: I64,
    records: I64,
    scalar_plugin: ScalarPluginCheck | None,
    check_crcs: bool,
) -> LayoutScalars:
    """The records between blocks, matched in one call (their numbers mapped back)."""
    found = match_records(buf, starts[records], lengths[records], scalar_plugin, check_crcs)
    if found is None:
        return LayoutScalars({}, records, 0.0)
    groups = {
        tag: [(records[idx], steps, values, walls) for idx, steps, values, walls in chunks]
        for tag, chunks in found.scalars.groups.items()
    }
    return LayoutScalars(groups, records[found.scalars.leftover], found.scalars.max_wall)


_WINDOW = 64  # records read one by one to find the period of what follows
_WINDOW_MAX = 16384


def _periods_of(head: Matched | None, pos: int, tries: int = 2) -> list[Period]:
    """Periods of ``head``'s records that may start a block.

    When all of ``head``'s tags repeat, the first periods of its run of back-to-back
    records (the very first often differs: step 0 written without a step field). Then,
    or when they do not (an evaluation logged every few hundred steps interrupts the
    pattern), the first periods of the repeating run that ends the window (where the
    records may have grown, e.g. by a step's second varint byte).
    """
    if head is None or head.idx.shape[0] < 3:
        return []
    idx, inverse = head.idx, head.inverse
    runs: list[tuple[int, int, int]] = []  # (period, first, end) in matched records
    if head.period:
        gaps = np.flatnonzero(np.diff(idx) != 1)
        runs.append((head.period, 0, int(gaps[0]) + 1 if gaps.shape[0] else idx.shape[0]))
    p = head.period or _suffix_period(idx, inverse)
    if p:
        # Back from the end while each record's tag is the one a period before it,
        # adjoining, and the record as long.
        size = head.lengths
        alike = (inverse[p:] == inverse[:-p]) & (idx[p:] - idx[:-p] == p) & (size[p:] == size[:-p])
        breaks = np.flatnonzero(~alike)
        first = int(breaks[-1]) + 1 if breaks.shape[0] else 0
        if not runs or first > runs[0][1]:
            runs.append((p, first, idx.shape[0]))
    out = []
    for k, (p, first, end) in enumerate(runs):
        # The run that ends the window starts where its lengths settled: one try.
        for j in range(first, min(first + (tries if k == 0 else 1) * p, end - p + 1), p):
            out.append(
                Period(
                    first=pos + int(idx[j]),
                    tags=[head.names[i] for i in inverse[j : j + p].tolist()],
                    step_len=head.step_len[j : j + p],
                    value_at=head.value_at[j : j + p],
                    width=head.width[j : j + p],
                )
            )
    return out


def _suffix_period(idx: I64, inverse: I64, longest: int = 512) -> int:
    """The smallest ``p`` such that the last three periods of records hold the same tags
    in the same order, back to back (0 if none)."""
    n = idx.shape[0]
    for p in range(1, min(longest, n // 3) + 1):
        last = inverse[n - p :]
        if (
            np.array_equal(inverse[n - 2 * p : n - p], last)
            and np.array_equal(inverse[n - 3 * p : n - 2 * p], last)
            and int(idx[-1] - idx[n - 3 * p]) == 3 * p - 1
        ):
            return p
    return 0


def _shifted(found: LayoutScalars, pos: int, below: int | None = None) -> LayoutScalars:
    """``found`` (read from record ``pos`` on) in buffer-wide record numbers, keeping only
    its records before ``pos + below``."""
    groups: dict[str, list[Group]] = {}
    max_wall = -np.inf
    for tag, chunks in found.groups.items():
        for idx, steps, values, walls in chunks:
            keep = idx.shape[0] if below is None else int(np.searchsorted(idx, below))
            if keep:
                part = (idx[:keep] + pos, steps[:keep], values[:keep], walls[:keep])
                groups.setdefault(tag, []).append(part)
                max_wall = max(max_wall, float(np.fmax.reduce(walls[:keep], axis=None)))
    leftover = found.leftover if below is None else found.leftover[found.leftover < below]
    return LayoutScalars(groups, leftover + pos, max_wall if groups else 0.0)


def _block_scalars(block: Block, period: Period) -> LayoutScalars:
    p = len(period.tags)
    groups: dict[str, Group] = {}
    rows = np.arange(block.rows, dtype=np.int64) * p + block.first
    for r, tag in enumerate(period.tags):
        part = (rows + r, block.steps[:, r], block.values[:, r], block.walls[:, r])
        add_group(groups, tag, part)
    max_wall = float(np.fmax.reduce(block.walls, axis=None)) if block.walls.size else 0.0
    chunks = {tag: [group] for tag, group in groups.items()}
    return LayoutScalars(chunks, np.empty(0, dtype=np.int64), max_wall)


def _all_left(pos: int, end: int) -> LayoutScalars:
    return LayoutScalars({}, np.arange(pos, end, dtype=np.int64), 0.0)


def _joined(parts: list[LayoutScalars]) -> LayoutScalars | None:
    """One result from the segments; each tag's chunks in file order."""
    groups: dict[str, list[Group]] = {}
    for part in parts:
        for tag, chunks in part.groups.items():
            groups.setdefault(tag, []).extend(chunks)
    if not groups:
        return None
    for tag, chunks in groups.items():
        chunks.sort(key=lambda c: int(c[0][0]))
        firsts = [int(c[0][0]) for c in chunks[1:]]
        if any(int(c[0][-1]) > f for c, f in zip(chunks, firsts, strict=False)):
            # Records matched between blocks interleave with the blocks': merge them.
            merged = [np.concatenate(column) for column in zip(*chunks, strict=True)]
            order = np.argsort(merged[0], kind="stable")
            groups[tag] = [(merged[0][order], merged[1][order], merged[2][order], merged[3][order])]
    leftover = np.sort(np.concatenate([part.leftover for part in parts]).astype(np.int64))
    return LayoutScalars(groups, leftover, max(part.max_wall for part in parts))
