"""The fast path: one-value scalar events read by offsets straight from the buffer with
NumPy (see :mod:`.scalar_segments` and :mod:`.scalar_layout`); whatever it does not
recognise is left to the reference path."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tfwatch.ingest.decode.scalar_layout import ScalarPluginCheck
from tfwatch.ingest.decode.scalar_segments import match_scalar_layouts
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.model.decoded_batch import DecodedBatch

I64 = npt.NDArray[np.int64]


def decode_fast_scalars(
    data: bytes,
    starts: I64,
    lengths: I64,
    batch: DecodedBatch,
    numbers: I64 | None = None,
    plugins: TagPlugins | None = None,
    check_crcs: bool = False,
) -> I64:
    """Vectorised decoding of one-value scalar events; returns the indices it left.

    Both layouts are read: ``simple_value`` (TF1, tensorboardX, PyTorch) and rank-0
    float/double tensors of the ``scalars`` plugin (TF2, Keras, TensorBoard's writer).
    ``check_crcs`` verifies the payload CRCs of the records it decodes. ``numbers`` are
    the records' numbers in their file (their indices by default): the points' order.
    """
    check = ScalarPluginCheck(plugins.plugin, plugins.declares_scalars) if plugins else None
    matched = match_scalar_layouts(data, starts, lengths, check, check_crcs)
    if matched is None:
        return np.arange(starts.shape[0], dtype=np.int64)
    for tag, chunks in matched.groups.items():
        tid = batch.tag_id(tag)
        for ids, steps, values, walls in chunks:
            batch.scalar_order.append(ids if numbers is None else numbers[ids])
            batch.scalar_tag_ids.append(np.full(steps.shape[0], tid, dtype=np.int64))
            batch.scalar_steps.append(steps)
            batch.scalar_values.append(values)
            batch.scalar_walls.append(walls)
        batch._paths_used.add("fast")
    if matched.max_wall > batch.max_wall_time:
        batch.max_wall_time = matched.max_wall
    return matched.leftover
