"""Curves and hostile names shared by the report tests."""

from __future__ import annotations

import math

#: Names, tags and hparams that try to break out of every output format.
HOSTILE_RUN = "evil|<script>alert(1)</script>`x`\n\x1b[31m@team $m$"
HOSTILE_TAG = "val/<img src=x onerror=alert(1)>|`acc`"
HOSTILE_HPARAM = "opt|<b>`"


def decay(
    start: float, end: float, rate: float, steps: int, every: int = 1
) -> list[tuple[int, float]]:
    """A smooth exponential decay from ``start`` towards ``end``: a loss curve."""
    return [(s, end + (start - end) * math.exp(-s / rate)) for s in range(0, steps, every)]


def rise(
    start: float, end: float, rate: float, steps: int, every: int = 1
) -> list[tuple[int, float]]:
    """A smooth exponential rise from ``start`` towards ``end``: an accuracy curve."""
    return decay(start, end, rate, steps, every)
