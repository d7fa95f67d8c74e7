"""The ``prometheus_client`` collector over a live session, and its own counters.

A custom collector rather than gauges set by the ingest thread: a scrape reads the one
latest publication (immutable, replaced whole) and builds every family from it, so the
series of a scrape all come from the same pass and a run that is gone leaves no stale
series behind.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from tfwatch.exporter.families import (
    MAX_TAGS,
    ExporterTotals,
    RootHealth,
    health_families,
    run_families,
)
from tfwatch.live.publications import Published
from tfwatch.live.session import LiveSession
from tfwatch.tag_patterns import select_tags

#: Bucket bounds of the poll-duration histogram, in seconds (a local poll takes
#: milliseconds, a cold load or a slow remote root seconds).
POLL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class SessionCollector(Collector):
    """Serves the session's latest publication; fed by the ingest thread's callbacks."""

    def __init__(self, session: LiveSession, tag_patterns: Sequence[str] = ()) -> None:
        self.session = session
        self.tag_patterns = tuple(tag_patterns)
        self._lock = threading.Lock()
        self._published: Published | None = None
        self._tags: tuple[str, ...] = ()
        self._totals = ExporterTotals()
        #: Set once a publication carries the chosen tags (what ``--once`` waits for).
        self.ready = threading.Event()

    # -- fed on the ingest thread ---------------------------------------------------------

    def on_publish(self, published: Published) -> None:
        """Keep ``published`` and ask the session for the tags ``--tags`` now matches."""
        wanted = self._choose_tags(published)
        with self._lock:
            self._published = published
            self._tags = tuple(t for t in wanted if t in published.snapshot.metrics)
        if wanted and tuple(published.snapshot.metrics) != wanted:
            self.session.set_metrics(wanted)  # summarised on the next pass, which starts now
        else:
            self.ready.set()

    def on_failure(self, message: str) -> None:
        """A pass whose summaries could not be built: counted, the last one still served."""
        with self._lock:
            t = self._totals
            self._totals = ExporterTotals(t.bytes_read, t.failed_builds + 1)

    def on_poll(self, seconds: float, bytes_read: int, histogram: Histogram) -> None:
        """One poll of the roots: its duration into ``histogram``, its bytes counted."""
        histogram.observe(seconds)
        with self._lock:
            t = self._totals
            self._totals = ExporterTotals(t.bytes_read + bytes_read, t.failed_builds)

    def _choose_tags(self, published: Published) -> tuple[str, ...]:
        if not self.tag_patterns:
            return ()
        tags = select_tags(published.snapshot.tag_counts, self.tag_patterns)
        return tuple(tags[:MAX_TAGS])

    # -- read by each scrape --------------------------------------------------------------

    def collect(self) -> Iterator[Metric]:
        """Every family from one publication and one copy of the roots' states."""
        with self._lock:
            published, tags, totals = self._published, self._tags, self._totals
        roots = [RootHealth(s.label, s.state) for s in self.session.statuses]
        yield from run_families(published, tags)
        yield from health_families(roots, totals, tags)


@dataclass(frozen=True)
class Exported:
    """What the HTTP endpoint serves and what feeds it."""

    registry: CollectorRegistry
    collector: SessionCollector


def make_registry(session: LiveSession, tag_patterns: Sequence[str] = ()) -> Exported:
    """A registry of its own (not the process-wide default: nothing else of this process
    is exported) with the session's collector and the poll histogram, hooked to the
    session before it starts."""
    registry = CollectorRegistry(auto_describe=False)
    collector = SessionCollector(session, tag_patterns)
    registry.register(collector)
    histogram = Histogram(
        "tfwatch_poll_duration_seconds",
        "Seconds each poll of the log roots took.",
        buckets=POLL_BUCKETS,
        registry=registry,
    )
    session.poll_observer = lambda seconds, read: collector.on_poll(seconds, read, histogram)
    return Exported(registry, collector)
