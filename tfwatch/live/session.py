"""The live session: one ingest thread polls the roots and publishes what the views show.

The thread polls the tailer, builds the run summaries (health checks included), fits
the forecasts within their budget and feeds the alert feed, all while holding the
store's lock only as long as it reads the runs. What it publishes, a
:class:`Published`, is immutable and replaced whole: the UI thread reads the latest one
on its tick and never takes the store's lock. Copies of one run or one tag across runs
(:meth:`LiveSession.detail`, :meth:`LiveSession.series`) block on that lock for the
copy alone: call them off the UI thread. The session knows nothing of Textual; whoever
starts it gets each publication through a plain callback, on the ingest thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.grouping import GroupBy
from tfwatch.ingest.allocator import freeze_long_lived
from tfwatch.ingest.tailer import Tailer
from tfwatch.live.alert_feed import AlertFeed
from tfwatch.live.forecasts import ForecastCache
from tfwatch.live.group_view import GroupBuilder, Grouping
from tfwatch.live.health_source import health_alerts
from tfwatch.live.node_alerts import NodeAlerts
from tfwatch.live.node_states import NodeStates, with_places
from tfwatch.live.publications import DetailCopy, Published
from tfwatch.live.run_copies import run_detail, series_of
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.model.load_progress import LoadProgress
from tfwatch.model.root_status import RootStatus
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.memory_budget import fit_memory
from tfwatch.store.runs import Run

if TYPE_CHECKING:
    from tfwatch.model.nodes import NodeReading
    from tfwatch.system.nodes.cluster import ClusterMonitor
    from tfwatch.system.sampler import SystemSampler

#: Seconds of forecast fitting per live tick (without live ticks: every run at once).
FORECAST_BUDGET = 0.02
#: While runs wait to be summarised or forecast again (after a load, thousands of them):
#: seconds of each per build, and the pause between builds. At FORECAST_BUDGET a tick,
#: the first full picture of 10,000 runs took the better part of an hour (and a fifth of
#: a core all along); the pause leaves the screen time to answer keys, and the views
#: get one publication a tick meanwhile.
CATCH_UP_BUDGET = 0.25
CATCH_UP_PAUSE = 0.05
#: Seconds between writes of the runs that changed to the cache (when there is one).
KEEP_EVERY = 60.0
#: Seconds between publications of the runs read so far while a load reads.
PARTIAL_EVERY = 0.5


class LiveSession:
    """Owns the tailer, the system sampler and the ingest thread; publishes snapshots."""

    def __init__(
        self,
        tailer: Tailer[Run],
        *,
        sampler: SystemSampler | None = None,
        metrics: Sequence[str] = (),
        maximize: Sequence[str] = (),
        interval: float = 1.0,
        clock: Callable[[], float] = time.time,
        live: bool = True,
        targets: Sequence[tuple[str, float]] = (),
        health_config: HealthConfig | None = None,
        cluster: ClusterMonitor | None = None,
    ) -> None:
        self.tailer = tailer
        #: The monitor of other nodes (``--prometheus``); None without node sources.
        self.cluster = cluster
        #: The system monitor (run states, processes, GPU); None without it.
        self.sampler = sampler
        #: Seconds between polls.
        self.interval = interval
        self.clock = clock
        #: False: poll and publish once, then stop (tests, screenshots).
        self.live = live
        self.targets = tuple(targets)
        self.health_config = health_config
        self._builder = SnapshotBuilder(
            metrics=tuple(metrics), maximize=tuple(maximize), health=health_alerts(health_config)
        )
        # Without live ticks there is one build only: fit every run in it.
        self._forecasts = ForecastCache(
            targets=self.targets, maximize=tuple(maximize), budget=FORECAST_BUDGET if live else None
        )
        #: The builder's and the forecasts' budgets per build (outside a catch-up).
        self._budgets = (self._builder.budget, self._forecasts.budget)
        #: Raise-once bookkeeping of the alerts (fed on the ingest thread only).
        self.alert_feed = AlertFeed()
        #: Called on the ingest thread after each poll with its seconds and bytes read
        #: (what a headless service reports about itself); None: nobody asks.
        self.poll_observer: Callable[[float, int], object] | None = None
        #: Runs placed on nodes and given their node's state: only when a source reads
        #: other nodes than this one (else the sampler alone knows every run).
        self._on_nodes = NodeStates() if cluster is not None and cluster.remote else None
        self._node_alerts = NodeAlerts(cluster.interval if cluster is not None else 2.0)
        self._wanted_metrics: tuple[str, ...] | None = None
        self._grouping: GroupBy | None = None
        self._groups = GroupBuilder()
        self._grouped_by: GroupBy | None = None  # the grouping of the latest publication
        self._latest: Published | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._kept_at = 0.0  # monotonic time of the last write to the cache
        self._frozen = False  # what the first load made is out of the collector's sight
        self._published_at = 0.0  # monotonic time of the last publication
        self._on_publish: Callable[[Published], object] | None = None
        self._partial_at = 0.0  # monotonic time of the last partial publication
        #: Whether the last poll left every run as it was (see SnapshotBuilder.build).
        self._runs_untouched = False

    # -- what the views read --------------------------------------------------------------

    @property
    def latest(self) -> Published | None:
        """The last publication (None before the first poll completes)."""
        return self._latest

    @property
    def nodes(self) -> tuple[NodeReading, ...]:
        """The last reading of every node the node sources report (never blocks)."""
        return self.cluster.readings() if self.cluster is not None else ()

    @property
    def statuses(self) -> list[RootStatus]:
        """Each root's state (ok, failing, waiting…), as the header shows it."""
        return self.tailer.statuses

    @property
    def progress(self) -> tuple[int, int]:
        """Bytes read and to read in the current poll (the load progress)."""
        return self.tailer.progress

    @property
    def load(self) -> LoadProgress:
        """Runs and bytes read and to read in the current poll, and since when."""
        return self.tailer.load

    @property
    def roots(self) -> tuple[str, ...]:
        """The log roots watched, as given."""
        return tuple(status.root for status in self.tailer.statuses)

    @property
    def wanted_metrics(self) -> tuple[str, ...] | None:
        """The metric columns asked for since start-up (None: the snapshot's own)."""
        return self._wanted_metrics

    def series(self, names: Iterable[str], tag: str) -> dict[str, SeriesArrays]:
        """Copies of ``tag``'s history for the named runs. Blocks on the store's lock for
        the copy: call it off the UI thread."""
        with self.tailer.lock:
            return series_of(self.tailer.runs, names, tag)

    def detail(self, name: str) -> DetailCopy | None:
        """A copy of run ``name`` (None when it is gone), with the alerts the last pass
        found for it. Blocks on the store's lock for the copy: call it off the UI thread."""
        with self.tailer.lock:
            run = self.tailer.runs.get(name)
            if run is None:
                return None
            detail = run_detail(run)
        latest = self._latest
        summary = latest.snapshot.runs.get(name) if latest is not None else None
        found = summary.alert_list if summary is not None else ()
        alerts = tuple(f"{a.kind} {a.tag}: {a.message}" if a.tag else a.message for a in found)
        return DetailCopy(detail, alerts)

    def groups(self, spec: GroupBy) -> Grouping | None:
        """The last pass's runs grouped by ``spec`` now (None before the first pass), for
        a view that switches grouping without waiting for the next pass. Blocks on the
        store's lock: call it off the UI thread."""
        latest = self._latest
        if latest is None:
            return None
        with self.tailer.lock:  # the group builder is only used under it
            return self._groups.build(spec, latest.snapshot, self.tailer.runs)

    # -- what the views ask ---------------------------------------------------------------

    def set_metrics(self, tags: Sequence[str]) -> None:
        """Show ``tags`` as the metric columns from the next pass on (which starts now)."""
        self._wanted_metrics = tuple(tags)
        self.wake()

    def set_grouping(self, spec: GroupBy | None) -> None:
        """Group the runs by ``spec`` from the next pass on (None: no groups)."""
        self._grouping = spec
        self.wake()

    @property
    def grouping(self) -> GroupBy | None:
        """The grouping asked for (None: runs one by one)."""
        return self._grouping

    def wake(self) -> None:
        """Poll now rather than at the end of the interval."""
        self._wake.set()

    # -- the ingest thread ----------------------------------------------------------------

    def start(
        self,
        on_publish: Callable[[Published], object],
        on_failure: Callable[[str], object] | None = None,
    ) -> None:
        """Start the sampler and the ingest thread. ``on_publish`` gets each publication
        and ``on_failure`` each failed build, both on the ingest thread: they must not
        block on the UI."""
        if self._thread is not None:
            return
        if self.sampler is not None:
            self.sampler.start()
        if self.cluster is not None:
            self.cluster.start()
        self._stopping.clear()
        self._on_publish = on_publish
        self._thread = threading.Thread(
            target=self._run, args=(on_publish, on_failure), name="tfwatch-ingest", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the ingest thread (joined, up to ``timeout`` seconds) and the sampler."""
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if not thread.is_alive():
                self._keep()  # (the poller has ended: the runs are this thread's now)
        if self.sampler is not None:
            self.sampler.stop(timeout=0.5)
        if self.cluster is not None:
            self.cluster.stop(timeout=0.5)

    @property
    def catching_up(self) -> bool:
        """Whether runs still wait for their summary or forecast of the data read (after
        a load: the first full picture is not there yet)."""
        return self._builder.behind or self._forecasts.waiting

    @property
    def running(self) -> bool:
        """Whether the ingest thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(
        self, on_publish: Callable[[Published], object], on_failure: Callable[[str], object] | None
    ) -> None:
        first = True
        while not self._stopping.is_set():
            errors = self._poll()
            if first:
                self._builder.loaded_at = time.time()
                first = False
            try:
                published = self._build(errors)
            except Exception as e:  # keep polling; say what broke
                if on_failure is not None:
                    on_failure(f"refresh failed: {e!r}")
                self._wake.wait(self.interval)
                self._wake.clear()
                continue
            if self._stopping.is_set():
                return
            behind = self.live and self.catching_up
            if not self._frozen and not behind:
                freeze_long_lived()  # what the first load made lives as long as we do
                self._frozen = True
            self._latest = published
            now = time.monotonic()
            if not behind or now - self._published_at >= self.interval:
                self._published_at = now
                on_publish(published)
            if now - self._kept_at >= KEEP_EVERY:
                self._keep()
            if not self.live:
                return
            # Behind: summarise on at once (in larger steps), and publish once a tick.
            self._builder.budget, self._forecasts.budget = (
                (CATCH_UP_BUDGET, CATCH_UP_BUDGET) if behind else self._budgets
            )
            self._wake.wait(CATCH_UP_PAUSE if behind else self.interval)
            self._wake.clear()

    def _keep(self) -> None:
        """Write the runs changed since the last write to the cache (a failure there
        costs the next start a full read, never this session)."""
        self._kept_at = time.monotonic()
        try:
            self.tailer.remember()
        except Exception:
            return

    def _poll(self) -> tuple[str, ...]:
        self._partial_at = 0.0
        started = time.perf_counter()
        read = 0
        try:
            self._runs_untouched = False
            result = self.tailer.poll(on_progress=self._partial)
            read = result.bytes_read
            self._runs_untouched = not result.listings_matched and not result.changed
            if result.changed:  # (series come only with new data)
                with self.tailer.lock:
                    fit_memory(self.tailer.runs)
            return tuple(result.errors)
        except Exception as e:  # a root failing must not stop the others
            return (f"{type(e).__name__}: {e}",)
        finally:
            observer = self.poll_observer
            if observer is not None:
                observer(time.perf_counter() - started, read)

    def _partial(self, load: LoadProgress) -> None:
        """(Called by the tailer during a poll that reads.) Every :data:`PARTIAL_EVERY`
        seconds of a long load, publish the runs read so far: the table fills as they
        come instead of appearing at the end."""
        now = time.monotonic()
        if self._on_publish is None or self._stopping.is_set():
            return
        if self._partial_at == 0.0:
            self._partial_at = now  # the first one after PARTIAL_EVERY, not at once
            return
        if now - self._partial_at < PARTIAL_EVERY:
            return
        self._partial_at = now
        try:
            with self.tailer.lock:
                snap = self._builder.build(self.tailer.runs, self.clock(), None)
                snap = self._forecasts.apply(snap, self.tailer.runs)
        except Exception:
            return  # the pass's own build reports what broke
        published = Published(snap, loading=True)
        self._latest = published
        self._on_publish(published)

    def _build(self, errors: tuple[str, ...]) -> Published:
        """Summaries, forecasts and alerts of this pass (the store's lock held to read)."""
        wanted = self._wanted_metrics
        if wanted is not None:
            self._builder.set_metrics(wanted)
        states = self.sampler.snapshot.states if self.sampler is not None else None
        now = self.clock()
        nodes = self.nodes if self._on_nodes is not None else ()
        if self._on_nodes is not None and nodes:
            states = self._on_nodes.refreshed(nodes, self.tailer, states, now)
        with self.tailer.lock:
            snap = self._builder.build(self.tailer.runs, now, states, self._runs_untouched)
            snap = self._forecasts.apply(snap, self.tailer.runs)
            spec = self._grouping
            latest = self._latest
            # (node readings change node alerts without changing the runs: never reused)
            if (
                not nodes
                and latest is not None
                and not latest.loading
                and snap is latest.snapshot
                and errors == latest.errors
                and spec == self._grouped_by
            ):
                if not latest.new_alerts:
                    return latest  # nothing changed: the same publication
                return replace(latest, new_alerts=())
            groups = self._groups.build(spec, snap, self.tailer.runs) if spec else None
        self._grouped_by = spec
        if self._on_nodes is not None and nodes:
            snap = self._node_alerts.apply(with_places(snap, self._on_nodes), nodes, now)
        current = [a for run in snap.runs.values() for a in run.alert_list]
        active, news = self.alert_feed.update(current)
        return Published(snap, errors, tuple(active), tuple(news), groups=groups)
