"""CRC32C (Castagnoli) for TFRecord framing: one C call per buffer, NumPy for many at once.

TFRecord stores *masked* checksums of the 8 length bytes and of the payload. Checking
millions of small records one C call at a time costs more than the rest of the reader,
so the many-records case uses position tables: CRC is linear, so the raw CRC of an
``L``-byte message is the XOR of one 256-entry table lookup per byte (the table chosen
by the byte's distance from the end) and a constant that depends only on ``L``.
"""

from __future__ import annotations

import google_crc32c
import numpy as np
import numpy.typing as npt

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8
U32 = npt.NDArray[np.uint32]


def crc32c(data: bytes | memoryview) -> int:
    """Standard CRC32C of ``data`` (C implementation)."""
    return int(
        google_crc32c.value(bytes(data))
        if isinstance(data, memoryview)
        else google_crc32c.value(data)
    )


def mask(crc: int) -> int:
    """TFRecord's masking of a CRC (rotate right by 15, add a constant)."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def mask_array(crc: U32) -> U32:
    """Vectorised :func:`mask`."""
    crc = crc.astype(np.uint32, copy=False)
    out: U32 = ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(_MASK_DELTA)
    return out


def _base_table() -> U32:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(_POLY), table >> 1).astype(np.uint32)
    return table


_T0 = _base_table()

#: Rows of zeros before the tables of :func:`padded_distance_table`.
ZERO_ROWS = 24


class PositionTables:
    """Tables ``T[d][v]``: raw CRC contribution of byte ``v`` followed by ``d`` zero bytes.

    Grown on demand up to the longest message checked in lockstep.
    """

    def __init__(self) -> None:
        self._tables = np.empty((0, 256), dtype=np.uint32)
        self._padded = np.zeros(ZERO_ROWS * 256, dtype=np.uint32)
        self._consts: dict[int, int] = {}

    def tables(self, length: int) -> U32:
        """Rows ``0..length-1`` (distance from the end)."""
        have = self._tables.shape[0]
        if have < length:
            new = np.empty((max(length, 2 * have, 64), 256), dtype=np.uint32)
            new[:have] = self._tables
            row = _T0.copy() if have == 0 else self._tables[have - 1]
            start = have
            if have == 0:
                new[0] = row
                start = 1
            for d in range(start, new.shape[0]):
                # Appending a zero byte to the message advances the register one step.
                row = (row >> np.uint32(8)) ^ _T0[row & np.uint32(0xFF)]
                new[d] = row
            self._tables = new
            self._padded = np.concatenate([np.zeros(ZERO_ROWS * 256, dtype=np.uint32), new.ravel()])
        return self._tables[:length]

    def padded(self, length: int) -> U32:
        """:meth:`tables` flat, after :data:`ZERO_ROWS` rows of zeros."""
        self.tables(length)
        return self._padded[: (ZERO_ROWS + length) * 256]

    def constant(self, length: int) -> int:
        """The CRC32C of ``length`` zero bytes: the init/xorout part of any message."""
        value = self._consts.get(length)
        if value is None:
            value = crc32c(bytes(length))
            self._consts[length] = value
        return value


_POSITIONS = PositionTables()


def padded_distance_table(length: int) -> U32:
    """The position tables for messages up to ``length`` bytes, flat (the raw CRC
    contribution of byte ``v`` at distance ``d`` from a message's end is entry
    ``d * 256 + v``), after :data:`ZERO_ROWS` rows of zeros (a view of a cached
    table): lookups shifted back by up to that many rows, or meant to add nothing, read
    zeros."""
    return _POSITIONS.padded(length)


def crc32c_at(buf: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], length: int) -> U32:
    """CRC32C of ``buf[s:s+length]`` for each ``s`` in ``starts``, without copying rows."""
    n = starts.shape[0]
    if length == 0 or n == 0:
        return np.full(n, _POSITIONS.constant(length), dtype=np.uint32)
    tables = _POSITIONS.tables(length)[::-1]
    acc = np.full(n, _POSITIONS.constant(length), dtype=np.uint32)
    for j in range(length):
        acc ^= tables[j][buf[starts + j]]
    return acc
