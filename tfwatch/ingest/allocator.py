"""Keep freed buffers in the process while event files are decoded in bulk.

The decoder makes many short-lived NumPy arrays of a few hundred kilobytes. With
glibc's defaults each one may be mapped fresh from the kernel and given back when
freed, so a cold load spends a fifth of its time in page faults. Raising the mmap and
trim thresholds lets freed memory be reused instead; it only affects this process's
allocator (nothing happens where glibc's ``mallopt`` is absent).
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 64 << 20  # above the largest read (64 MiB chunks) stays mmap'd
_TRIM_THRESHOLD = 256 << 20


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
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
