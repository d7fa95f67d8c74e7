"""The cluster monitor: polls every node source off the caller's thread and publishes
the last reading of every node.

- Each :class:`NodePoller` has a daemon thread of its own, so a slow or dead source never
  delays another. A poll gets a deadline; after a failure the next try waits twice as
  long as the one before (from the interval up to ``max_backoff_s``).
- The last reading per node is kept. A node that a source stops reporting, or whose
  source fails, stays listed as down with the last error, and its last figures.
- What is published is an immutable :class:`ClusterSnapshot`, replaced whole under a
  lock held only for the swap: :meth:`ClusterMonitor.snapshot` never waits on a source.

No Textual here: the app, ``tfwatch nodes`` and ``tfwatch ls`` read the same snapshot.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from tfwatch.errors import TfwatchError
from tfwatch.model.nodes import NodeReading
from tfwatch.system.nodes.poller import NodePoller
from tfwatch.text.safe_text import printable

#: Longest wait between two tries of a failing source.
MAX_BACKOFF_S = 60.0


@dataclass(frozen=True)
class SourceFailure:
    """A source whose last poll failed as a whole (not one of its nodes)."""

    label: str
    error: str
    #: Failures in a row.
    failures: int


@dataclass(frozen=True)
class ClusterSnapshot:
    """Every node's last reading (sorted by name, then source) and the failing sources."""

    nodes: tuple[NodeReading, ...] = ()
    failing: tuple[SourceFailure, ...] = ()
    #: Polls finished since the monitor started (each source's count summed).
    polls: int = 0


def next_wait(interval: float, failures: int, max_backoff_s: float = MAX_BACKOFF_S) -> float:
    """Seconds until the next poll: the interval, doubled for each failure in a row."""
    if failures <= 0:
        return interval
    return min(max_backoff_s, interval * 2.0 ** min(failures, 30))


class ClusterMonitor:
    """Polls its sources on their own threads (:meth:`start`) or once (:meth:`poll_once`)."""

    def __init__(
        self,
        pollers: Sequence[NodePoller],
        interval: float = 2.0,
        timeout_s: float | None = None,
        max_backoff_s: float = MAX_BACKOFF_S,
        on_update: Callable[[ClusterSnapshot], None] | None = None,
    ) -> None:
        self.pollers = tuple(pollers)
        self.interval = interval
        #: A poll's deadline: the interval, but never under 5 s (a slow link still answers).
        self.timeout_s = max(5.0, interval) if timeout_s is None else timeout_s
        self.max_backoff_s = max_backoff_s
        self._on_update = on_update
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Per source: its nodes' last readings by name, and the failure in a row.
        self._nodes: list[dict[str, NodeReading]] = [{} for _ in self.pollers]
        self._failures: list[SourceFailure | None] = [None for _ in self.pollers]
        self._polls = 0
        self._snapshot = ClusterSnapshot()

    @property
    def remote(self) -> bool:
        """Whether a source reads other nodes than this machine."""
        return any(poller.label != "local" for poller in self.pollers)

    def snapshot(self) -> ClusterSnapshot:
        """The last published state (never blocks on a source)."""
        return self._snapshot

    def readings(self) -> tuple[NodeReading, ...]:
        """Every node's last reading."""
        return self._snapshot.nodes

    @property
    def running(self) -> bool:
        """Whether a polling thread is still alive (one may finish its poll after stop)."""
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        """One daemon thread per source, polling until :meth:`stop`."""
        for i, poller in enumerate(self.pollers):
            thread = threading.Thread(
                target=self._run, args=(i,), name=f"nodes {poller.label}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the threads to end, wait at most ``timeout`` in all, close the sources."""
        self._stop.set()
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))
        for poller in self.pollers:
            with contextlib.suppress(Exception):  # closing must not hide the caller's state
                poller.close()

    def poll_once(self) -> ClusterSnapshot:
        """Poll every source once, side by side, and return the snapshot (one-shot
        commands). A source that hangs past its deadline is left behind."""
        threads = [
            threading.Thread(target=self._poll, args=(i,), daemon=True)
            for i in range(len(self.pollers))
        ]
        for thread in threads:
            thread.start()
        end = time.monotonic() + self.timeout_s + 1.0
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        return self._snapshot

    def _run(self, i: int) -> None:
        while not self._stop.is_set():
            self._poll(i)
            failure = self._failures[i]
            wait = next_wait(self.interval, failure.failures if failure else 0, self.max_backoff_s)
            self._stop.wait(wait)

    def _poll(self, i: int) -> None:
        poller = self.pollers[i]
        try:
            readings = poller.poll(time.monotonic() + self.timeout_s)
        except TfwatchError as e:
            self._failed(i, str(e))
        except Exception as e:  # a source's bug must not end its thread
            self._failed(i, f"{poller.label}: {type(e).__name__}: {printable(str(e))}")
        else:
            self._answered(i, readings)

    def _answered(self, i: int, readings: list[NodeReading]) -> None:
        with self._lock:
            known = self._nodes[i]
            fresh = {r.name: r for r in readings}
            for name, last in known.items():
                if name not in fresh:
                    gone = f"no longer reported by {self.pollers[i].label}"
                    fresh[name] = _down(last, last.error if not last.up and last.error else gone)
            self._nodes[i] = fresh
            self._failures[i] = None
            self._publish()

    def _failed(self, i: int, error: str) -> None:
        with self._lock:
            before = self._failures[i]
            count = before.failures + 1 if before else 1
            self._failures[i] = SourceFailure(self.pollers[i].label, error, count)
            self._nodes[i] = {name: _down(r, error) for name, r in self._nodes[i].items()}
            self._publish()

    def _publish(self) -> None:
        """Swap in a new snapshot (under the lock) and tell the listener."""
        self._polls += 1
        nodes = sorted(
            (r for per_source in self._nodes for r in per_source.values()),
            key=lambda r: (r.name.lower(), str(r.source)),
        )
        failing = tuple(f for f in self._failures if f is not None)
        self._snapshot = snapshot = ClusterSnapshot(tuple(nodes), failing, self._polls)
        if self._on_update is not None:
            self._on_update(snapshot)


def _down(last: NodeReading, error: str) -> NodeReading:
    """The last reading of a node, marked down with why."""
    return replace(last, up=False, error=error)
