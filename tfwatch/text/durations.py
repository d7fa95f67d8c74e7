"""Spans of time as text: compact for table cells and messages, spaced for report prose."""

from __future__ import annotations

import math


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


def format_duration_prose(seconds: float) -> str:
    """A span of time in report prose: ``45 s``, ``12.5 min``, ``3.2 h``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str) -> float | None:
    """Seconds in ``30m``, ``2h``, ``1d12h``, ``90s`` or a bare number of seconds; None
    when the text is not a positive duration."""
    import re

    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
        return seconds if seconds > 0 else None
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhdw])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    return seconds if seconds > 0 else None
