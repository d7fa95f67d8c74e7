"""Keep freed buffers in the process while event files are decoded in bulk, and keep the
garbage collector out of bulk work that makes only long-lived objects.

The decoder makes many short-lived NumPy arrays of a few hundred kilobytes. With
glibc's defaults each one may be mapped fresh from the kernel and given back when
freed, so a cold load spends a fifth of its time in page faults. Raising the mmap and
trim thresholds lets freed memory be reused instead; it only affects this process's
allocator (nothing happens where glibc's ``mallopt`` is absent).

Objects that live as long as the process (a command's modules, the runs a restart takes
from the cache) are made by the tens of thousands; the collections they would set off
free nothing, and a full one walks every object made so far (:func:`collector_paused`).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ctypes

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 64 << 20  # above the largest read (64 MiB chunks) stays mmap'd
_TRIM_THRESHOLD = 256 << 20


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # (not at import: the command-line parser imports this module)

    try:
        libc = ctypes.CDLL(None)  # the interpreter's own symbols, libc's among them
        libc.mallopt  # noqa: B018 - absent outside glibc (e.g. musl)
    except (OSError, AttributeError):
        return None
    return libc


def reuse_freed_memory() -> bool:
    """Tune this process's allocator for bulk decoding; False where it cannot be."""
    libc = _libc()
    if libc is None:
        return False
    return bool(
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        and libc.mallopt(_M_TOP_PAD, 16 << 20)
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector paused (as it was, after): for a command's imports, or the
    runs restored from a cache (see bench/README.md, "Command start-up")."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """Move every object alive now out of the collector's sight, and make full
    collections rare: for a long-running process, after its first load made the objects
    it keeps (runs, series, summaries).

    A full collection walks every object it tracks, with the GIL held, the screen
    frozen meanwhile: at 10,000 runs, ~750,000 objects after the load (~0.4 s), and the
    ~150,000 of the summaries in use later (~0.1 s), which turn over as runs change and
    set off a full collection every few seconds by the default thresholds. Frozen
    objects are still freed when their last reference goes (only cycles among them are
    no longer looked for); the young generations are collected first, so that the
    garbage they hold is not kept, and still are as often as before; a full collection
    comes after a hundred times as many young ones (minutes, not seconds, apart)."""
    if gc.get_freeze_count():
        return  # (once per process: a second session's first load is not its whole)
    gc.collect(1)
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, 1000))
