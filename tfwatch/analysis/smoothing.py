"""TensorBoard's smoothing: the debiased exponential moving average of its scalar charts.

The rule is the one in TensorBoard's frontend (``classicSmoothing``): a running average
``last = last * w + (1 - w) * x`` started at 0 and divided by ``1 - w**n``, where ``n``
counts the finite points so far. Non-finite points are shown as they are and skipped by
the average, so one NaN does not poison the rest of the curve; a constant series is
returned unchanged (TensorBoard's issue #786: rounding made flat lines wobble).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

#: The largest weight TensorBoard's smoothing slider offers. At exactly 1 the frontend's
#: average never leaves its starting 0, so larger weights are clamped here instead.
MAX_WEIGHT = 0.999

# Each block of the vectorised recurrence scales by w**-k; keep that below ~1e200.
_MAX_BLOCK_EXPONENT = 460.0


def clamp_weight(weight: float) -> float:
    """A smoothing weight as TensorBoard would use it: non-finite → 0, clamped to [0, 0.999]."""
    if not math.isfinite(weight):
        return 0.0
    return min(max(weight, 0.0), MAX_WEIGHT)


def smooth(values: npt.ArrayLike, weight: float) -> F64:
    """TensorBoard's debiased EMA of ``values`` with smoothing ``weight`` (0 = none).

    Returns a new float64 array of the same length; non-finite inputs are passed through.
    """
    x = np.array(values, dtype=np.float64, copy=True).reshape(-1)
    w = clamp_weight(weight)
    if x.shape[0] == 0 or w == 0.0 or bool(np.all(x == x[0])):
        return x
    finite = np.isfinite(x)
    y = x[finite]
    if y.shape[0]:
        x[finite] = _debiased_ema(y, w)
    return x


def _debiased_ema(y: F64, w: float) -> F64:
    """The EMA of finite ``y`` (started at 0) divided by ``1 - w**n``; vectorised by blocks.

    Within a block, ``e[j] = w**(j+1) * carry + (1 - w) * w**j * cumsum(w**-i * y[i])``;
    the rounding error of that cumsum at ``j`` only involves terms up to ``j``, so the
    result is as accurate as the sequential loop as long as ``w**-i`` does not overflow.
    """
    n = y.shape[0]
    out = np.empty(n, dtype=np.float64)
    log_w = math.log(w)
    block = max(1, int(_MAX_BLOCK_EXPONENT / -log_w))
    carry = 0.0
    for start in range(0, n, block):
        chunk = y[start : start + block]
        k = np.arange(chunk.shape[0], dtype=np.float64)
        grow = np.exp(-log_w * k)  # w**-k
        decay = np.exp(log_w * k)  # w**k
        ema = w * decay * carry + (1.0 - w) * decay * np.cumsum(chunk * grow)
        out[start : start + chunk.shape[0]] = ema
        carry = float(ema[-1])
    counts = np.arange(1, n + 1, dtype=np.float64)
    return out / -np.expm1(counts * log_w)
