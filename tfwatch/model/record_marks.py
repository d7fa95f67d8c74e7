"""What identifies the records read from an event file: their place and a digest.

A file's first and last record read are remembered (see
:class:`~tfwatch.store.runs.EventFileState`) so that a later process can tell, by
reading those few bytes again, whether the file still holds what was read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def record_digest(data: bytes | memoryview) -> str:
    """A short digest of one framed record's bytes (header, payload and CRC)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class RecordMark:
    """One record of a file: where its bytes are and their digest."""

    offset: int
    length: int
    digest: str
