"""Distinct byte strings among many spans of one buffer (tags, plugin metadata).

A training loop logs the same tags in the same order every step, so the spans usually
repeat with a period, and then the first period alone is looked at. Otherwise spans are
grouped by a hash of their bytes and then compared word for word, so a hash collision can
never merge two different strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.tfrecord.byte_views import words_at

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


_WORD_MASKS = np.asarray([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], np.uint64)
_MAX_PERIOD = 4096


def distinct_spans(
    buf: U8, pos: I64, length: I64, text: bool = True
) -> tuple[list[Any] | None, I64, int]:
    """Distinct byte strings ``buf[pos:pos+length]``: (decoded strings, index per span,
    period).

    A training loop logs the same tags in the same order every step, so the strings
    usually repeat with a period: when every span equals the one ``period`` before it,
    the first period alone is looked at. Otherwise spans are grouped by a hash of their
    bytes and then compared word for word, so a collision can never merge two different
    strings (None if one did). ``period`` is 0 when the spans do not repeat.
    """
    n = pos.shape[0]
    width = int(length.max()) if n else 0
    shortest = int(length.min()) if n else 0
    nwords = max(1, (width + 7) // 8)
    # Word k of every span, one row per k. Words may run past a span's end: those bytes
    # are masked off (the caller padded ``buf``); words inside every span need no mask.
    words: npt.NDArray[np.uint64] = words_at(buf, "<u8")  # type: ignore[assignment]
    cols = np.empty((nwords, n), dtype=np.uint64)
    for k in range(nwords):
        cols[k] = words[pos + 8 * k]
        if shortest < 8 * (k + 1):
            cols[k] &= _WORD_MASKS[np.clip(length - 8 * k, 0, 8)]
    period = _period(cols, length)
    if period:
        seen: dict[tuple[int, bytes], int] = {}
        firsts: list[int] = []
        inverse_p = np.empty(period, dtype=np.int64)
        for i in range(period):
            key = (int(length[i]), cols[:, i].tobytes())
            if key not in seen:
                seen[key] = len(firsts)
                firsts.append(i)
            inverse_p[i] = seen[key]
        first = np.asarray(firsts, dtype=np.int64)
        inverse = np.tile(inverse_p, -(-n // period))[:n]
        return _decode_spans(buf, pos, length, first, text), inverse, period
    h = length.astype(np.uint64)
    for k in range(nwords):
        h = (h ^ cols[k]) * _HASH_MUL
    # Distinct hashes, sorted (faster here than np.unique, which also imports numpy.ma).
    ordered = np.sort(h)
    keys = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    inverse = np.searchsorted(keys, h)
    first = np.full(keys.shape[0], h.shape[0], dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(h.shape[0], dtype=np.int64))
    rep = first[inverse]
    if not (np.array_equal(cols, cols[:, rep]) and np.array_equal(length, length[rep])):
        return None, inverse, 0
    return _decode_spans(buf, pos, length, first, text), inverse, 0


def _period(cols: npt.NDArray[np.uint64], length: I64) -> int:
    """The smallest ``p`` with every span equal to the one ``p`` before it (0 if none
    up to :data:`_MAX_PERIOD`). ``cols`` holds word k of every span in row k."""
    n = cols.shape[1]
    if n < 4:
        return 0
    probe = min(n, _MAX_PERIOD + 1)
    alike = (cols[:, 1:probe] == cols[:, :1]).all(axis=0) & (length[1:probe] == length[0])
    same = np.flatnonzero(alike)
    if not same.shape[0]:
        return 0
    p = int(same[0]) + 1
    if np.array_equal(cols[:, p:], cols[:, :-p]) and np.array_equal(length[p:], length[:-p]):
        return p
    return 0


def _decode_spans(buf: U8, pos: I64, length: I64, first: I64, text: bool) -> list[Any]:
    out: list[Any] = []
    for i in first.tolist():
        raw = buf[int(pos[i]) : int(pos[i]) + int(length[i])].tobytes()
        out.append(raw.decode("utf-8", "replace") if text else raw)
    return out
