"""Run-level findings about how a run writes its logs: two writers, too much logging."""

from __future__ import annotations

import numpy as np

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors.common import nice_ceiling, observed_live
from tfwatch.analysis.protocols import EventFileLike, RunLike
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.text.durations import format_duration

#: A file counts as growing only if it grew this long after tfwatch first read it, so the
#: first read of an old file is not taken for a live writer.
_GREW_AFTER_DISCOVERY_S = 1.0
#: Rough size of a histogram record besides its bucket arrays (tag, step, wall time, stats).
_HISTOGRAM_OVERHEAD_BYTES = 80


def growing_files(run: RunLike, now: float, window_s: float) -> list[EventFileLike]:
    """Event files of ``run`` that grew within ``window_s`` of ``now`` while watched."""
    return [
        f
        for f in run.files.values()
        if not f.gone
        and f.last_growth >= now - window_s
        and f.last_growth - f.first_seen > _GREW_AFTER_DISCOVERY_S
    ]


def detect_two_writers(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """A ``two_writers`` alert when two event files of the run grow at the same time."""
    s = config.two_writers
    if not s.enabled or not observed_live(run):
        return []
    live = growing_files(run, now, s.window_s)
    if len(live) < 2:
        return []
    names = ", ".join(_describe(f) for f in live)
    text = (
        f"{len(live)} event files growing at once ({names}) within {format_duration(s.window_s)}: "
        "two writers share this run directory, give each its own"
    )
    return [Alert(run.name, "", -1, now, AlertKind.TWO_WRITERS, text)]


def _describe(f: EventFileLike) -> str:
    who = [f"pid {f.pid}" if f.pid is not None else "", f"on {f.host}" if f.host else ""]
    label = " ".join(w for w in who if w)
    return f"{f.name} ({label})" if label else f.name


def _rate_and_gap(steps: np.ndarray, walls: np.ndarray, min_span: float) -> tuple[float, float]:
    """Records per second and median step gap of one tag (0, 0 when the span is short)."""
    if walls.shape[0] < 2:
        return 0.0, 0.0
    span = float(walls[-1] - walls[0])
    if span < min_span:
        return 0.0, 0.0
    gap = float(np.median(np.diff(steps))) if steps.shape[0] > 1 else 0.0
    return (walls.shape[0] - 1) / span, gap


def detect_too_frequent(run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """A ``too_frequent`` alert when scalar records or histogram bytes per second are high."""
    s = config.too_frequent
    if not s.enabled:
        return []
    parts: list[str] = []
    records, gaps = 0.0, []
    for series in run.scalars.values():
        p = series.recent()
        rate, gap = _rate_and_gap(p.steps, p.wall_times, s.min_span_s)
        records += rate
        if rate > 0 and gap > 0:
            gaps.append(gap)
    if s.max_records_per_s > 0 and records > s.max_records_per_s:
        parts.append(
            f"{records:,.0f} scalar records/s (limit {s.max_records_per_s:,.0f})"
            + _cadence(gaps, records / s.max_records_per_s, "scalars")
        )
    hist_bytes, hist_gaps = 0.0, []
    for hist in run.histograms.values():
        points = hist.recent()
        if not points:
            continue
        steps = np.array([p.step for p in points], dtype=np.int64)
        walls = np.array([p.wall_time for p in points], dtype=np.float64)
        rate, gap = _rate_and_gap(steps, walls, s.min_span_s)
        last = points[-1]
        size = 8 * (last.bucket_limits.shape[0] + last.bucket_counts.shape[0])
        hist_bytes += rate * (size + _HISTOGRAM_OVERHEAD_BYTES + len(hist.tag))
        if rate > 0 and gap > 0:
            hist_gaps.append(gap)
    if s.max_histogram_bytes_per_s > 0 and hist_bytes > s.max_histogram_bytes_per_s:
        parts.append(
            f"{_size(hist_bytes)}/s of histograms (limit {_size(s.max_histogram_bytes_per_s)}/s)"
            + _cadence(hist_gaps, hist_bytes / s.max_histogram_bytes_per_s, "histograms")
        )
    if not parts:
        return []
    text = "logging costs I/O: " + "; ".join(parts)
    step = max((x.last_step for x in run.scalars.values()), default=-1)
    return [Alert(run.name, "", step, run.last_wall_time, AlertKind.TOO_FREQUENT, text)]


def _cadence(gaps: list[float], excess: float, what: str) -> str:
    """`` — log scalars every 50 steps instead of every 10``."""
    if not gaps:
        return ""
    now_every = float(np.median(gaps))
    suggested = nice_ceiling(now_every * excess)
    return f" — log {what} every {suggested:,} steps instead of every {now_every:,.0f}"


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover
