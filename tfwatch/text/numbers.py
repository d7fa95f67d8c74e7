"""Numbers formatted for reading in narrow columns: metric values, steps and counts."""

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


def format_significant(value: float) -> str:
    """A metric value in 4 significant digits, for alert messages: ``0.1235``, ``nan``."""
    if math.isnan(value):
        return "nan"
    return f"{value:.4g}"
