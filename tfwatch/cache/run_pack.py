"""Many cache entries of one root in one file: a restart of thousands of short runs opens
one file, not thousands.

Layout: a header (magic, format version, the number of entries, the directory's
length), the directory (JSON: each entry's key and length, in file order), a CRC-32C of
header and directory, then the entries one after another, each checked by its own CRC
(see :mod:`.run_codec`). A pack whose header or directory does not check, or whose size
is not what its directory says, is not used at all (:class:`CacheUnusable`); a damaged
entry costs only its own run.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Collection, Sequence
from typing import BinaryIO

import google_crc32c

from tfwatch.cache.run_codec import FORMAT, RESIDUE, TRAILER, CacheUnusable

MAGIC = b"TFWPACK\0"
_HEADER = struct.Struct("<8sIIQ")  # magic, format, entries, directory bytes


def pack_pieces(entries: Sequence[tuple[str, bytes]]) -> list[bytes]:
    """The pack of ``entries`` (key, an entry's bytes), as pieces to write in order."""
    directory = json.dumps([[key, len(data)] for key, data in entries]).encode()
    head = _HEADER.pack(MAGIC, FORMAT, len(entries), len(directory)) + directory
    return [head, TRAILER.pack(google_crc32c.value(head)), *(data for _, data in entries)]


def read_pack(f: BinaryIO, skip: Collection[str] = ()) -> dict[str, bytes]:
    """The entries of the pack open as ``f`` (unbuffered, at its start) by key, each its
    own bytes (a run's series keep views of them), but those in ``skip``."""
    head = f.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise CacheUnusable("short pack header")
    magic, fmt, count, dir_len = _HEADER.unpack(head)
    if magic != MAGIC or fmt != FORMAT:
        raise CacheUnusable("another pack format")
    rest = f.read(dir_len + TRAILER.size)
    if len(rest) != dir_len + TRAILER.size or google_crc32c.value(head + rest) != RESIDUE:
        raise CacheUnusable("damaged pack directory")
    try:
        directory = [(str(key), int(length)) for key, length in json.loads(rest[:dir_len])]
    except (TypeError, ValueError) as e:
        raise CacheUnusable(f"unexpected pack directory: {e}") from e
    start = _HEADER.size + dir_len + TRAILER.size
    if len(directory) != count or os.fstat(f.fileno()).st_size != start + sum(
        length for _, length in directory
    ):
        raise CacheUnusable("pack of another size than its directory says")
    out: dict[str, bytes] = {}
    for key, length in directory:
        if key in skip:
            f.seek(length, os.SEEK_CUR)
            continue
        data = f.read(length)
        if len(data) != length:
            raise CacheUnusable("pack cut short")
        out[key] = data
    return out
