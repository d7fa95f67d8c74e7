"""Little-endian words read straight out of a byte buffer, without copying it.

The readers look at many fields at unaligned offsets (a length, a CRC, a float); a view
with a one-byte stride gives the word starting at every byte offset, and indexing it
with an array of offsets reads them all at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]


def words_at(buf: U8, dtype: str) -> npt.NDArray[np.generic]:
    """The ``dtype`` word starting at every byte offset of ``buf`` (a view)."""
    width = np.dtype(dtype).itemsize
    n = max(buf.shape[0] - width + 1, 0)
    view: npt.NDArray[np.generic] = np.ndarray((n,), dtype=dtype, buffer=buf, strides=(1,))
    return view


def row_words(
    buf: U8, dtype: str, offset: int, rows: int, stride: int, width: int
) -> npt.NDArray[np.generic]:
    """Rows ``stride`` bytes apart from ``offset``, with the ``dtype`` word that starts at
    each of a row's first ``width`` bytes (a view: indexing its columns reads one field
    of every row at once)."""
    view: npt.NDArray[np.generic] = np.ndarray(
        (rows, width), dtype=dtype, buffer=buf, offset=offset, strides=(stride, 1)
    )
    return view
