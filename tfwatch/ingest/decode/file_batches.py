"""Many small event files decoded in one pass (a sweep's short runs).

Decoding one file has a fixed cost of a few milliseconds (the record matcher on its first
records, setting up each block of repeating records, checking its CRCs), which a run of
a few thousand events pays once per block (see bench/README.md). Here the records of
many files are laid side by side in one buffer before decoding: each file's runs of
repeating rows go next to the other files' runs of rows with the same record lengths and
tags, so that one block reads what each file would have read as a block of its own, and
the matcher runs once for them all.

Reordering records changes what decoding costs, not what it finds: a ``simple_value``
record is decoded from its own bytes alone. The records that are anything else (tensor
scalars, whose meaning can rest on metadata written earlier in the run, histograms,
hparams, the file version) are left over and decoded afterwards per file, in file
order, as :func:`~tfwatch.ingest.decode.records.decode_records` would have.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.records import decode_records, file_versions
from tfwatch.ingest.decode.scalar_segments import match_scalar_layouts
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.tfrecord.byte_views import words_at
from tfwatch.ingest.tfrecord.framing import last_period, payloads_ok
from tfwatch.ingest.tfrecord.layout import FOOTER, HEADER, Framing, PayloadCrcError
from tfwatch.model.decoded_batch import DecodedBatch

I64 = npt.NDArray[np.int64]

#: Files up to this size are decoded together. Sorting the points back to their files
#: costs a little per point: about as much as it saves at 20,000 events (1 MB) a file.
MAX_FILE_BYTES = 1 << 20
_MIN_ROWS = 8  # shorter runs of rows stay with the file's other records
_TAIL = 16  # bytes of each record of a row in its key (see _row_runs)


def batchable(framing: Framing, size: int) -> bool:
    """Whether a buffer so framed can be decoded with others: whole and clean (damage
    and cut-short records are handled by the per-file path), payload CRCs not yet
    checked (a buffer the framing had to walk is unusual: also per file)."""
    return (
        size <= MAX_FILE_BYTES
        and not framing.damage
        and not framing.pending
        and not framing.payloads_verified
        and framing.starts.shape[0] > 0
    )


def decode_files(
    buffers: list[tuple[bytes, Framing, TagPlugins]],
) -> list[DecodedBatch] | list[None]:
    """Each buffer's decoded batch, as ``decode_records`` would make it; all None when a
    payload CRC failed somewhere (then each buffer's own decoding finds and reports the
    damaged records).

    The buffers of one run share its ``TagPlugins`` and come in file order: the leftover
    records teach a run's plugins in file order. Every framing must be
    :func:`batchable`.
    """
    if not buffers:
        return []
    pieces: dict[bytes, list[tuple[int, int, int]]] = {}  # row pattern -> (file, first, end)
    odd: list[tuple[int, int, int]] = []  # records in no run of rows
    for f, (data, framing, _) in enumerate(buffers):
        for first, end, key in _row_runs(data, framing.starts, framing.lengths, odd, f):
            pieces.setdefault(key, []).append((f, first, end))
    order = [piece for group in pieces.values() for piece in group] + odd
    data, starts, lengths, owner, local = _laid_out(buffers, order)
    try:
        matched = match_scalar_layouts(data, starts, lengths, None, check_crcs=True)
    except PayloadCrcError:
        return [None] * len(buffers)
    if matched is not None and len(matched.groups) >= 1 << (_FILE_SHIFT - _TAG_SHIFT):
        return [None] * len(buffers)  # more tags than the sort key holds
    left = matched.leftover if matched else np.arange(starts.shape[0], dtype=np.int64)
    buf = np.frombuffer(data, dtype=np.uint8)
    if left.shape[0] and not payloads_ok(buf, starts[left], lengths[left]):
        return [None] * len(buffers)
    batches = [DecodedBatch() for _ in buffers]
    if matched is not None:
        _distribute(matched.groups, owner, local, batches)
    # Every file starts with its version: no need to decode that one file by file.
    versions = file_versions(buf, starts[left], lengths[left])
    walls = words_at(buf, "<f8")[starts[left[versions]] + 1].tolist()
    for f, wall in zip(owner[left[versions]].tolist(), walls, strict=True):
        if wall > batches[f].max_wall_time:
            batches[f].max_wall_time = wall
    left = left[~versions]
    by_file = _per_file(owner[left], local[left], len(buffers))
    for (buffer, framing, plugins), batch, rest in zip(buffers, batches, by_file, strict=True):
        _add_leftover(buffer, framing, plugins, batch, rest)
    return list(batches)


def _row_runs(
    data: bytes, starts: I64, lengths: I64, odd: list[tuple[int, int, int]], f: int
) -> list[tuple[int, int, bytes]]:
    """The runs of at least :data:`_MIN_ROWS` rows of a repeating pattern of record
    lengths in one file: (first record, end, key); the records outside them are added to
    ``odd`` as (file, first, end) ranges. Runs with the same key are laid side by side:
    it is the row's record lengths, and the bytes before each record's last five (a
    ``simple_value`` record ends with its tag, then the value's key and four bytes), so
    that rows of other tags that happen to be as long are not."""
    n = lengths.shape[0]
    p = last_period(lengths)
    runs: list[tuple[int, int, bytes]] = []
    buf = np.frombuffer(data, dtype=np.uint8)
    if p:
        # A record whose length recurs a period later is in a run of rows; a run ends a
        # period after the last such record.
        again = np.concatenate([[False], lengths[:-p] == lengths[p:], [False]])
        edges = np.flatnonzero(again[1:] != again[:-1])
        covered = 0
        for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            rows = (b + p - a) // p
            if a < covered or rows < _MIN_ROWS:
                continue
            if a > covered:
                odd.append((f, covered, a))
            covered = a + rows * p
            row = lengths[a : a + p]
            at = starts[a : a + p] + np.maximum(row - _TAIL - 5, 0)
            tails = buf[np.minimum(at[:, None] + np.arange(_TAIL), buf.shape[0] - 1)]
            runs.append((a, covered, row.tobytes() + tails.tobytes()))
        if covered < n:
            odd.append((f, covered, n))
    else:
        odd.append((f, 0, n))
    return runs


def _laid_out(
    buffers: list[tuple[bytes, Framing, TagPlugins]], order: list[tuple[int, int, int]]
) -> tuple[bytes, I64, I64, I64, I64]:
    """The records of ``order``'s ranges back to back in one buffer: (buffer, payload
    starts, lengths, each record's file, its number in the file)."""
    chunks, starts, lengths, owner, local = [], [], [], [], []
    at = 0
    for f, first, end in order:
        data, framing, _ = buffers[f]
        s = framing.starts[first:end]
        begin = int(s[0]) - HEADER
        stop = int(s[-1] + framing.lengths[end - 1]) + FOOTER
        chunks.append(memoryview(data)[begin:stop])
        starts.append(s + (at - begin))
        lengths.append(framing.lengths[first:end])
        owner.append(np.full(end - first, f, dtype=np.int64))
        local.append(np.arange(first, end, dtype=np.int64))
        at += stop - begin
    return (
        b"".join(chunks),
        np.concatenate(starts),
        np.concatenate(lengths),
        np.concatenate(owner),
        np.concatenate(local),
    )


_TAG_SHIFT, _FILE_SHIFT = 24, 40  # a point's sort key: file, tag, record number


def _distribute(
    groups: dict[str, list[tuple[I64, I64, npt.NDArray[np.float64], npt.NDArray[np.float64]]]],
    owner: I64,
    local: I64,
    batches: list[DecodedBatch],
) -> None:
    """Hand the points decoded from the joint buffer to their files' batches, each
    file's points of a tag in file order."""
    tags = list(groups)
    parts = [(t, chunk) for t, tag in enumerate(tags) for chunk in groups[tag]]
    idx = np.concatenate([chunk[0] for _, chunk in parts])
    tag_of = np.repeat(
        np.asarray([t for t, _ in parts], dtype=np.int64), [c[0].shape[0] for _, c in parts]
    )
    key = (owner[idx] << _FILE_SHIFT) | (tag_of << _TAG_SHIFT) | local[idx]
    order = np.argsort(key, kind="stable")  # mostly in order already: a quick sort
    key = key[order]
    steps = np.concatenate([chunk[1] for _, chunk in parts])[order]
    values = np.concatenate([chunk[2] for _, chunk in parts])[order]
    walls = np.concatenate([chunk[3] for _, chunk in parts])[order]
    numbers = key & ((1 << _TAG_SHIFT) - 1)
    file_tag = key >> _TAG_SHIFT
    tag_ids = file_tag & ((1 << (_FILE_SHIFT - _TAG_SHIFT)) - 1)  # in every file, as in tags
    cuts = [0, *(np.flatnonzero(np.diff(file_tag)) + 1).tolist(), int(key.shape[0])]
    files = (file_tag[cuts[:-1]] >> (_FILE_SHIFT - _TAG_SHIFT)).tolist()
    ids = {tag: t for t, tag in enumerate(tags)}
    begun = -1
    for (a, b), f in zip(itertools.pairwise(cuts), files, strict=True):
        batch = batches[f]
        if f != begun:  # the file's first tag: its batch numbers tags as the joint pass
            batch.scalar_tags, batch._tag_ids, begun = list(tags), dict(ids), f
            batch._paths_used.add("fast")
            span = walls[a : int(np.searchsorted(key, (f + 1) << _FILE_SHIFT))]
            batch.max_wall_time = max(batch.max_wall_time, float(np.fmax.reduce(span)))
        batch.scalar_tag_ids.append(tag_ids[a:b])
        batch.scalar_steps.append(steps[a:b])
        batch.scalar_values.append(values[a:b])
        batch.scalar_walls.append(walls[a:b])
        batch.scalar_order.append(numbers[a:b])


def _per_file(owner: I64, local: I64, files: int) -> list[I64]:
    """Record numbers grouped by file, each group in file order."""
    order = np.lexsort((local, owner))
    owner, local = owner[order], local[order]
    bounds = np.searchsorted(owner, np.arange(files + 1))
    return [local[a:b] for a, b in itertools.pairwise(bounds.tolist())]


def _add_leftover(
    data: bytes, framing: Framing, plugins: TagPlugins, batch: DecodedBatch, rest: I64
) -> None:
    """Decode into ``batch`` the file's records that the joint pass left (their CRCs
    are checked); count all of the file's events."""
    points = len(batch.scalar_steps)
    decode_records(data, framing.starts[rest], framing.lengths[rest], plugins, batch, True, rest)
    if len(batch.scalar_steps) > points and points:
        # Points of both passes: have them put in file order (see DecodedBatch).
        batch._paths_used.add("leftover")
    batch.events = int(framing.starts.shape[0])
