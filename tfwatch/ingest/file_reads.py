"""Reading what one event file gained into its run: framing, decoding, damage, offsets.

The tailer calls :func:`read_file` for each file that grew, in this process or in a
worker process (see :mod:`tfwatch.ingest.worker_reads`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from tfwatch.ingest.decode import DecodedBatch, TagPlugins, decode_records
from tfwatch.ingest.records import Damage, Framing, PayloadCrcError, frame
from tfwatch.ingest.sources import Source
from tfwatch.store.runs import EventFileState, Run

CHUNK = 64 << 20  # read at most this much of one file per step (bounded memory)


def read_file(
    source: Source,
    run: Run,
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
    while state.offset < size:
        data = source.read(state.path, state.offset, min(size - state.offset, chunk))
        if not data:
            break
        last = state.offset + len(data) >= size
        framing, batch = frame_and_decode(data, final and last, plugins)
        with lock or nullcontext():
            run.apply(batch)
            for off, kind, skipped in framing.damage:
                run.damage.append(Damage(state.path, state.offset + off, kind, skipped))
            for off in batch.bad_events:
                run.damage.append(Damage(state.path, state.offset + off - 12, "bad_event", 0))
            state.records += int(framing.starts.shape[0])
            state.offset += framing.consumed
            state.pending = framing.pending
            if framing.consumed:
                state.last_growth = run.last_growth = now
        handled += framing.consumed
        if framing.consumed == 0:
            if last:
                break  # only a partial record so far: wait for the writer
            chunk *= 2  # a record longer than the chunk: read more at once
    return handled


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
