"""Helpers for tests that write real event files."""

from __future__ import annotations

import glob
import os
import struct
from pathlib import Path


def only_event_file(directory: Path) -> Path:
    """The single event file a writer left in ``directory``."""
    files = sorted(glob.glob(os.path.join(directory, "*tfevents*")))
    assert len(files) == 1, files
    return Path(files[0])


def record_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each record of an undamaged event file (an independent reader)."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append((pos, pos + 12 + n + 4))
        pos += 12 + n + 4
    return out
