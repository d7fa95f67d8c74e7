"""What a TFRecord buffer is made of: the record layout's sizes, what framing found,
and little-endian reads at many offsets at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.byte_views import words_at

HEADER = 12
FOOTER = 4
# A length above this is damage, not a record still being written: nothing TensorBoard
# reads comes near it, and allocating what a corrupt header claims must never happen.
MAX_RECORD = 256 << 20
I64 = npt.NDArray[np.int64]


@dataclass(eq=False)  # holds arrays: compared by identity
class Framing:
    """What :func:`~tfwatch.ingest.tfrecord.framing.frame` found in a buffer."""

    starts: I64  # payload offsets within the buffer
    lengths: I64  # payload lengths
    consumed: int  # bytes fully handled (records and skipped damage)
    damage: list[tuple[int, str, int]] = field(default_factory=list)  # (offset, kind, skipped)
    pending: int = 0  # bytes of a record cut short at the end
    #: False when the payload CRCs are left to the decoder (see
    #: :func:`~tfwatch.ingest.tfrecord.framing.frame`).
    payloads_verified: bool = True


class PayloadCrcError(Exception):
    """A payload checksum failed where the framing had left checking to the decoder."""


def u32_at(buf: npt.NDArray[np.uint8], pos: I64) -> npt.NDArray[np.uint32]:
    """Little-endian ``uint32`` at each of ``pos`` (each at most ``len(buf) - 4``)."""
    out: npt.NDArray[np.uint32] = words_at(buf, "<u4")[pos]  # type: ignore[assignment]
    return out


def u64_at(buf: npt.NDArray[np.uint8], pos: I64) -> I64:
    """Little-endian ``uint64`` at each of ``pos``, as ``int64`` (lengths: the callers
    keep those below 2^32)."""
    out: I64 = words_at(buf, "<i8")[pos]  # type: ignore[assignment]
    return out


def growing_ranges(total: int, first: int = 64) -> Iterator[tuple[int, int]]:
    """``(a, b)`` ranges covering ``0..total``, each twice as long as the one before: a
    look-ahead in these steps costs little when what it looks for ends soon."""
    a, size = 0, first
    while a < total:
        b = min(total, a + size)
        yield a, b
        a, size = b, size * 2
