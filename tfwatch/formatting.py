"""Numbers and times formatted for reading in narrow columns."""

from __future__ import annotations

import math


def format_value(value: float) -> str:
    """A metric value in at most ~8 characters: ``0.8123``, ``1.23e-04``, ``NaN``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    mag = abs(value)
    if mag >= 1e5 or mag < 1e-3:
        return f"{value:.2e}"
    if mag >= 100:
        return f"{value:.1f}"
    return f"{value:.4f}"


def format_short(value: float) -> str:
    """A metric value in at most 7 characters, for where :func:`format_value` does not
    fit: three significant digits and an unpadded exponent (``0.123``, ``-1.5e-5``)."""
    if not math.isfinite(value) or value == 0:
        return format_value(value)
    mag = abs(value)
    if mag >= 1e4 or mag < 1e-2:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if mag >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def format_count(n: float) -> str:
    """Steps and counts: ``950``, ``12.3k``, ``4.5M``."""
    if math.isnan(n) or math.isinf(n):
        return format_value(n)
    mag = abs(n)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if mag >= scale:
            return f"{n / scale:.1f}{unit}"
    return f"{int(n)}" if float(n).is_integer() else f"{n:.1f}"


def format_duration(seconds: float) -> str:
    """A span of time: ``50ms``, ``0.5s``, ``45s``, ``12m``, ``3h05m``, ``2d04h``; ``-``
    when unknown. Spans under a second keep their size (a cadence of 0.05 s is not
    ``0s``); negative ones (clocks a little apart) count as none."""
    if not math.isfinite(seconds):
        return "-"
    seconds = max(0.0, seconds)
    if seconds == 0:
        return "0s"
    if seconds < 0.095:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 0.95:
        return f"{seconds:.1f}s"
    s = round(seconds)
    if s < 90:
        return f"{s}s"
    if s < 90 * 60:
        return f"{round(s / 60)}m"
    h, rest = divmod(s, 3600)
    if h < 48:
        return f"{h}h{rest // 60:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def format_age(seconds: float) -> str:
    """How long ago: ``3s``, ``4m``, ``2h``, ``5d``; ``-`` when unknown."""
    if seconds < 0 or math.isnan(seconds):
        return "-"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"
