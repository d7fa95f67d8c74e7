"""The one place a session is built: for the command line, the tests and the screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tfwatch.analysis.config import HealthConfig
from tfwatch.ingest.run_memory import RunMemory
from tfwatch.ingest.tailer import Tailer
from tfwatch.ingest.workers import prepare_pool
from tfwatch.live.run_inputs import RunInputsCache
from tfwatch.live.session import LiveSession
from tfwatch.loading import make_tailer
from tfwatch.store.runs import Run


def make_sampler(
    tailer: Tailer[Run] | None, log_roots: tuple[str, ...], process_interval: float
) -> Any:
    """The system sampler linking ``tailer``'s runs to processes (None where the system
    package cannot load; no linkage without a tailer). Its runs provider runs on the
    sampler thread and copies the plain inputs under the store's lock, recomputing only
    runs whose version moved."""
    try:
        from tfwatch.system.sampler import SystemSampler
    except Exception:
        return None
    if tailer is None:
        return SystemSampler(log_roots=log_roots, process_interval=process_interval)
    cache = RunInputsCache()

    def runs() -> Any:
        with tailer.lock:
            return cache.inputs(list(tailer.runs.values()))

    return SystemSampler(runs=runs, log_roots=log_roots, process_interval=process_interval)


def open_session(
    roots: Sequence[str],
    *,
    storage_options: Mapping[str, Any] | None = None,
    wait_for_missing: bool = False,
    metrics: Sequence[str] = (),
    maximize: Sequence[str] = (),
    interval: float = 1.0,
    clock: Callable[[], float] = time.time,
    live: bool = True,
    system: bool = True,
    link_runs: bool = True,
    process_interval: float = 3.0,
    targets: Sequence[tuple[str, float]] = (),
    health_config: HealthConfig | None = None,
    cache: RunMemory[Run] | None = None,
    node_pollers: Sequence[Any] = (),
    node_interval: float = 2.0,
) -> LiveSession:
    """A session over ``roots`` (raises ``SourceError`` for a root that cannot work).

    ``wait_for_missing``: local roots that do not exist yet are waited for beside roots
    that do; ``system``: sample the host and GPUs, linking runs to their writers unless
    ``link_runs`` is False; ``live`` False: one poll only (tests, screenshots);
    ``node_pollers``: other nodes' sources (``NodePoller``), polled every
    ``node_interval`` seconds on threads of their own (``session.nodes``; with
    ``system``, this machine is listed first); ``cache``: runs kept between processes
    (see :mod:`tfwatch.cache`), restored on the first poll and kept as they change."""
    tailer = make_tailer(
        roots, storage_options=storage_options, wait_for_missing=wait_for_missing, cache=cache
    )
    prepare_pool()  # before the app captures stderr: a large first load reads in a pool
    log_roots = tuple(status.root for status in tailer.statuses)
    sampler = (
        make_sampler(tailer if link_runs else None, log_roots, process_interval) if system else None
    )
    cluster = None
    pollers = list(node_pollers)
    if sampler is not None:
        # This machine is a node too, read from the sampler's figures (no second read).
        from tfwatch.system.nodes.local import LocalNodePoller

        pollers.insert(0, LocalNodePoller(lambda: sampler.snapshot))
    if pollers:
        from tfwatch.system.nodes.cluster import ClusterMonitor

        cluster = ClusterMonitor(pollers, interval=node_interval)
    return LiveSession(
        tailer,
        sampler=sampler,
        cluster=cluster,
        metrics=metrics,
        maximize=maximize,
        interval=interval,
        clock=clock,
        live=live,
        targets=targets,
        health_config=health_config,
    )
