"""A load's progress as one line: runs and bytes read, the rate, the time left."""

from __future__ import annotations

from tfwatch.text.durations import format_duration


def format_bytes(n: float) -> str:
    """``512 B``, ``3.4 kB``, ``12.0 MB``, ``1.5 GB`` (decimal units, as rates are)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def load_progress_line(
    runs_done: int, runs_total: int, bytes_done: int, bytes_total: int, seconds: float
) -> str:
    """``12/40 runs · 1.2 MB of 4.8 MB · 3.1 MB/s · 1s left`` (rate and time left once
    some bytes are read)."""
    parts = [
        f"{runs_done}/{runs_total} runs",
        f"{format_bytes(bytes_done)} of {format_bytes(bytes_total)}",
    ]
    if seconds > 0 and bytes_done > 0:
        rate = bytes_done / seconds
        parts.append(f"{format_bytes(rate)}/s")
        parts.append(f"{format_duration(max(0, bytes_total - bytes_done) / rate)} left")
    return " · ".join(parts)
