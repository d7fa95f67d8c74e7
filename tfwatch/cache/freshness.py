"""Whether a cached run still describes its event files: any doubt means a full read.

A cached run is used only if every file it read is still listed, no longer shorter than
what was read, with the same identity (a local file's device and inode; for a remote
object an unchanged ETag or version spares the reads below), the same modification time
when a local file's size has not changed (a file rewritten in place), and its first and
last record read still hold the same bytes. A file that appeared in the run's directory since is
fine only if it sorts after every file read (a cold read would read it after them too);
one that sorts before them, a file that went away, or growth in any file but the run's
last one (a cold read would put those points before the later files') means a full read
of the run.
Data from a stale cache is the one failure that must not happen, so every check errs
towards reading again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tfwatch.ingest.file_state import EventFileState
from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.errors import SourceError
from tfwatch.model.record_marks import record_digest
from tfwatch.store.runs import Run


def doubt(
    run: Run, source: Source, listed: Mapping[str, FileInfo], siblings: Sequence[FileInfo]
) -> str | None:
    """Why ``run`` (restored from a cache) cannot be trusted; None when it can.

    ``listed`` is the root's listing by path, ``siblings`` the files listed in the run's
    directory."""
    if any(f.pending or f.gone for f in run.files.values()) or run.damage:
        return "damaged or unfinished when cached"
    read_last = max((f.name for f in run.files.values() if not f.hparams_session), default="")
    for info in siblings:
        if info.path not in run.files and info.path.rsplit("/", 1)[-1] < read_last:
            return f"{info.path}: new file before those read"
    for state in run.files.values():
        grown = (now := listed.get(state.path)) is not None and now.size > state.offset
        if grown and not state.hparams_session and state.name != read_last:
            # A file before the run's last one grew: a cold read reads it whole before
            # the later files, while resuming would read its new points after theirs
            # (and a rewound step then keeps other points).
            return f"{state.path}: grew, and a later file was read"
        now = listed.get(state.path)
        if now is None:
            return f"{state.path}: gone"
        why = _file_doubt(state, now, source)
        if why is not None:
            return f"{state.path}: {why}"
    return None


def _file_doubt(state: EventFileState, info: FileInfo, source: Source) -> str | None:
    if info.size < state.offset:
        return "shorter than what was read"
    if state.offset == 0:
        return None  # nothing of it was kept
    local = isinstance(state.identity, tuple) or isinstance(info.identity, tuple)
    if local and info.identity != state.identity:
        return "replaced (another inode)"
    unchanged_size = info.size == state.size
    if local and unchanged_size and info.mtime != state.mtime:
        return "rewritten in place"
    if not local and state.identity is not None and info.identity == state.identity:
        return None if unchanged_size else "another size under the same object version"
    # A remote object put again (a sync copies whole files, with a new time each) is
    # judged by its bytes alone.
    first, last = state.first_record, state.last_record
    if first is None or last is None:
        return "no record marks"
    marks = (first, last)
    try:
        found = source.read_spans(state.path, [(m.offset, m.length) for m in marks])
    except (SourceError, OSError):
        return "different bytes where records were read"
    for mark, data in zip(marks, found, strict=True):
        if len(data) != mark.length or record_digest(data) != mark.digest:
            return "different bytes where records were read"
    return None
