"""Reading what one event file gained into its run: framing, decoding, damage, offsets.

The tailer calls :func:`read_file` for each file that grew, in this process or in a
worker process (see :mod:`tfwatch.ingest.workers`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Generic

from tfwatch.ingest.decode.file_batches import MAX_FILE_BYTES, batchable, decode_files
from tfwatch.ingest.decode.records import decode_records
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.file_state import EventFileState
from tfwatch.ingest.run_sink import R, RunSink
from tfwatch.ingest.sources.base import Source
from tfwatch.ingest.sources.errors import SourceError
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.ingest.tfrecord.layout import Framing, PayloadCrcError
from tfwatch.model.damage import Damage
from tfwatch.model.decoded_batch import DecodedBatch

CHUNK = 64 << 20  # read at most this much of one file per step (bounded memory)

#: A file modified this recently may still get the rest of a record cut short at its end.
#: tensorboardX, PyTorch's ``SummaryWriter`` and TF2's ``tf.summary`` writers flush every
#: 120 s by default, and a buffer that fills in between is written mid-record; the margin
#: covers a slow disk or a network file system's coarse clock.
STILL_WRITTEN_SECONDS = 120.0 + 60.0


def still_written(state: EventFileState, now: float) -> bool:
    """Whether ``state``'s file was modified too recently for a cut-short last record to
    be damage: its writer may not have flushed the rest yet.

    Only the file's modification time is used (the one-shot commands read before they
    link processes to runs); a source that gives no time (0) counts as settled."""
    return state.mtime > 0 and now - state.mtime <= STILL_WRITTEN_SECONDS


def _final(state: EventFileState, final: bool, now: float) -> bool:
    """Whether a read of ``state``'s file may call a cut-short last record damage: on a
    one-shot read, unless the file may still be being written (its tail then stays
    pending and is shown as an incomplete tail)."""
    return final and not still_written(state, now)


def read_file(
    source: Source,
    run: RunSink,
    state: EventFileState,
    size: int,
    final: bool,
    plugins: TagPlugins,
    now: float,
    lock: AbstractContextManager[object] | None = None,
) -> int:
    """Read ``state.path`` from its offset up to ``size`` into ``run``; return bytes handled.

    ``lock`` is held while the run changes but not while bytes are fetched, so a slow
    remote read never keeps readers of the store waiting."""
    handled = 0
    chunk = CHUNK
    final = _final(state, final, now)
    while state.offset < size:
        data = source.read(state.path, state.offset, min(size - state.offset, chunk))
        if not data:
            break
        last = state.offset + len(data) >= size
        framing, batch = frame_and_decode(data, final and last, plugins)
        with lock or nullcontext():
            _fold(run, state, framing, batch, now)
        handled += framing.consumed
        if framing.consumed == 0:
            if last:
                break  # only a partial record so far: wait for the writer
            chunk *= 2  # a record longer than the chunk: read more at once
    return handled


def _fold(
    run: RunSink, state: EventFileState, framing: Framing, batch: DecodedBatch, now: float
) -> None:
    """Put what one buffer of ``state``'s file held into ``run``; move the file's offset."""
    run.apply(batch, state.hparams_session)
    for off, kind, skipped in framing.damage:
        run.damage.append(Damage(state.path, state.offset + off, kind, skipped))
    for off in batch.bad_events:
        run.damage.append(Damage(state.path, state.offset + off - 12, "bad_event", 0))
    state.records += int(framing.starts.shape[0])
    state.offset += framing.consumed
    state.pending = framing.pending
    if framing.consumed:
        state.last_growth = run.last_growth = now


@dataclass
class RunReadRequest(Generic[R]):
    """One run's files to read together with other runs' (see :func:`read_runs_together`),
    and how that went."""

    source: Source
    run: R
    plugins: TagPlugins
    files: list[tuple[str, int]]  # (path, size to read up to), in name order
    handled: int = 0
    errors: list[str] = field(default_factory=list)


def read_runs_together(reads: list[RunReadRequest[R]], final: bool, now: float) -> None:
    """Read every file of ``reads``: small whole files are decoded together (see
    :mod:`tfwatch.ingest.decode.file_batches`), anything else as :func:`read_file` does."""
    fetched: list[tuple[RunReadRequest[R], EventFileState, bytes, Framing]] = []
    # Read afterwards, on their own: big files, and files whose framing found damage or
    # a cut-short record (read again then: a rare case, and the usual path reports it).
    alone: list[tuple[RunReadRequest[R], str, int]] = []
    for r in reads:
        for path, size in r.files:
            state = r.run.files[path]
            data = b""
            if size - state.offset <= MAX_FILE_BYTES and not _left_alone(alone, r):
                try:
                    data = r.source.read(state.path, state.offset, size - state.offset)
                except SourceError as e:
                    r.errors.append(str(e))
                    continue
            if data and state.offset + len(data) >= size:
                framing = frame(data, final=_final(state, final, now), verify_payloads=False)
                if batchable(framing, len(data)):
                    fetched.append((r, state, data, framing))
                    continue
            alone.append((r, path, size))
    decoded = decode_files([(data, framing, r.plugins) for r, _, data, framing in fetched])
    for (r, state, data, framing), batch in zip(fetched, decoded, strict=True):
        if batch is None:
            framing, batch = frame_and_decode(data, _final(state, final, now), r.plugins)
        _fold(r.run, state, framing, batch, now)
        r.handled += framing.consumed
    for r, path, size in alone:
        try:
            r.handled += read_file(r.source, r.run, r.run.files[path], size, final, r.plugins, now)
        except SourceError as e:
            r.errors.append(str(e))


def _left_alone(alone: list[tuple[RunReadRequest[R], str, int]], r: RunReadRequest[R]) -> bool:
    """Whether a file of ``r`` is already left to be read on its own: then so are the
    run's later files (a run's files are read in order)."""
    return bool(alone) and alone[-1][0] is r


def frame_and_decode(data: bytes, final: bool, plugins: TagPlugins) -> tuple[Framing, DecodedBatch]:
    """Frame and decode one buffer. Payload CRCs are left to the decoder, which checks
    them for less; if one fails, the buffer is framed again by the path that checks each
    record and reports the damage."""
    framing = frame(data, final=final, verify_payloads=False)
    batch = DecodedBatch()
    try:
        decode_records(
            data, framing.starts, framing.lengths, plugins, batch, framing.payloads_verified
        )
    except PayloadCrcError:
        framing = frame(data, final=final)
        batch = DecodedBatch()
        decode_records(data, framing.starts, framing.lengths, plugins, batch)
    return framing, batch
