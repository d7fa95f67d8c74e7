"""Nodes read from a Prometheus server: GPUs (DCGM exporter), CPU and memory
(node_exporter), ``up``, and pods (kube-state-metrics).

One instant query per metric family (:func:`family_queries`), a fixed dozen whatever the
number of nodes, sent side by side on a few threads so that a distant server costs one
round trip's latency, not twelve. The joins are :mod:`.prometheus_readings`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from tfwatch.model.nodes import NodeReading, NodeSource
from tfwatch.system.nodes.prometheus_http import PrometheusClient, PrometheusError, Sample
from tfwatch.system.nodes.prometheus_names import PrometheusNames
from tfwatch.system.nodes.prometheus_readings import family_queries, node_readings

#: Queries in flight at once against one server.
PARALLEL_QUERIES = 4


class PrometheusPoller:
    """A :class:`~tfwatch.system.nodes.poller.NodePoller` over one Prometheus server."""

    source = NodeSource.PROMETHEUS

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        names: PrometheusNames | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.client = PrometheusClient(url, headers, timeout_s)
        self.label = self.client.label
        self.names = names or PrometheusNames()
        self.queries = family_queries(self.names)
        # Which nodes each scrape target reported: a target that goes down reports
        # nothing, yet its nodes must show as down.
        self._reported: dict[str, frozenset[str]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def poll(self, deadline: float) -> list[NodeReading]:
        """A reading per node the server knows; raises :class:`PrometheusError` when the
        server cannot answer (the monitor then marks its nodes down)."""
        answers = self._ask_all(deadline)
        readings, reported = node_readings(answers, self.names, self._reported)
        self._reported = {**self._reported, **reported}
        return readings

    def _ask_all(self, deadline: float) -> dict[str, list[Sample]]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(PARALLEL_QUERIES, thread_name_prefix="prometheus")
        futures: dict[str, Future[list[Sample]]] = {
            family: self._pool.submit(self.client.query, expr, deadline)
            for family, expr in self.queries.items()
        }
        done, pending = wait(
            futures.values(),
            timeout=max(0.0, deadline - time.monotonic()),
            return_when=FIRST_EXCEPTION,
        )
        for future in pending:
            future.cancel()
        for future in futures.values():
            if future in done and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        if pending:
            raise PrometheusError(f"{self.label}: no answer before the deadline")
        return {family: future.result() for family, future in futures.items()}

    def close(self) -> None:
        """Stop the query threads (queries in flight end by their own timeout)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
