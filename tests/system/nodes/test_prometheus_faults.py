"""Faults of the Prometheus reader: Prometheus stopped and restarted, an exporter gone,
servers that are not Prometheus, a refused port, credentials never echoed."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.services.prometheus import MetricsServer, free_port, wait_until
from tests.system.nodes.cluster import Cluster
from tfwatch.system.nodes.cluster import ClusterMonitor
from tfwatch.system.nodes.prometheus_http import PrometheusClient, PrometheusError, parse_header
from tfwatch.system.nodes.prometheus_poller import PrometheusPoller


@contextmanager
def http_server(
    status: int, body: bytes, seen: list[dict[str, str]] | None = None
) -> Iterator[str]:
    """A plain HTTP server answering every GET with ``status`` and ``body``; the
    headers of each request go to ``seen``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if seen is not None:
                seen.append(dict(self.headers))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def one_line_error(url: str, **kwargs: Any) -> str:
    poller = PrometheusPoller(url, **kwargs)
    try:
        with pytest.raises(PrometheusError) as caught:
            poller.poll(time.monotonic() + 20)
    finally:
        poller.close()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_refused_port() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert one_line_error(url) == f"prometheus {url}: connection refused"


def test_a_web_page_is_not_prometheus() -> None:
    with http_server(200, b"<html><body>Grafana</body></html>") as url:
        assert one_line_error(url) == (
            f"prometheus {url}: not a Prometheus answer (expected JSON from /api/v1/query)"
        )


def test_a_server_without_the_api() -> None:
    with http_server(404, b"404 page not found\n") as url:
        assert one_line_error(url) == (
            f"prometheus {url}: HTTP 404 Not Found (is this a Prometheus server?)"
        )


@pytest.mark.parametrize(
    "body",
    [b"{{{", b'{"status": "success", "data": 5}', b"[1, 2]", b'{"status": "success",'
     b' "data": {"resultType": "vector", "result": [{"metric": {}, "value": 3}]}}'],
)  # fmt: skip
def test_garbage_json(body: bytes) -> None:
    with http_server(200, body) as url:
        assert "not a Prometheus answer" in one_line_error(url)


def test_bad_urls() -> None:
    for url in ("prometheus:9090", "ftp://host/x", "http://", "http://host:99999"):
        with pytest.raises(PrometheusError) as caught:
            PrometheusClient(url)
        assert "URL" in str(caught.value)


def test_credentials_are_sent_never_echoed() -> None:
    seen: list[dict[str, str]] = []
    with http_server(401, b"Unauthorized", seen) as url:
        secret_url = url.replace("http://", "http://alice:s3cret-pw@")
        header = parse_header("Authorization: Bearer tok-123456")
        message = one_line_error(secret_url, headers=dict([header]))
        assert message == f"prometheus {url}: HTTP 401 Unauthorized: check --prometheus-header"
        assert seen and all(h["Authorization"] == "Bearer tok-123456" for h in seen)
        # the URL's user:password is a basic-auth header when no header overrides it
        seen.clear()
        message = one_line_error(secret_url)
        assert "s3cret" not in message and "alice" not in message
        assert any(h["Authorization"] == "Basic YWxpY2U6czNjcmV0LXB3" for h in seen)
    with pytest.raises(PrometheusError) as caught:
        parse_header("Bearer tok-123456")
    assert "tok-123456" not in str(caught.value)


def wait_for(monitor: ClusterMonitor, check: Callable[[ClusterMonitor], bool], what: str) -> None:
    wait_until(lambda: check(monitor), 90, what)


def test_an_exporter_gone_makes_its_node_down(cluster: Cluster) -> None:
    monitor = ClusterMonitor([PrometheusPoller(cluster.prometheus.url)], interval=0.2)
    monitor.start()
    port = cluster.lone_exporter.port
    try:
        wait_for(monitor, lambda m: any(n.name == "gpu-c" and n.up for n in m.readings()), "gpu-c")
        cluster.lone_exporter.close()

        def gpu_c_down(m: ClusterMonitor) -> bool:
            nodes = {n.name: n for n in m.readings()}
            return not nodes["gpu-c"].up and nodes["gpu-a"].up

        wait_for(monitor, gpu_c_down, "gpu-c down")
        gpu_c = next(n for n in monitor.readings() if n.name == "gpu-c")
        assert gpu_c.error == "target gpu-c:9400 (job dcgm) is down (up = 0)"
        assert gpu_c.cpu_percent is not None  # its node facts still come
    finally:
        cluster.lone_exporter = MetricsServer(port)
        cluster.lone_exporter.serve("/metrics", cluster.dcgm["gpu-c"])
        monitor.stop()
    cluster.prometheus.wait_for_query('up{instance="gpu-c:9400"} == 1')


def test_prometheus_stopped_and_restarted(cluster: Cluster) -> None:
    monitor = ClusterMonitor(
        [PrometheusPoller(cluster.prometheus.url)], interval=0.2, max_backoff_s=1.0
    )
    monitor.start()
    try:
        wait_for(monitor, lambda m: len(m.readings()) == 4, "four nodes")
        cluster.prometheus.stop()
        wait_for(monitor, lambda m: bool(m.snapshot().failing), "the failure")
        snapshot = monitor.snapshot()
        expected = f"prometheus {cluster.prometheus.url}: connection refused"
        assert [(f.label, f.error) for f in snapshot.failing] == [
            (f"prometheus {cluster.prometheus.url}", expected)
        ]
        # every node stays listed, down, with the error and its last figures
        assert len(snapshot.nodes) == 4
        assert all(not n.up and n.error == expected for n in snapshot.nodes)
        assert all(n.memory_total_bytes for n in snapshot.nodes)
        wait_for(monitor, lambda m: m.snapshot().failing[0].failures >= 2, "a second failure")
    finally:
        cluster.prometheus.start()
    try:
        wait_for(
            monitor,
            lambda m: not m.snapshot().failing and all(n.up for n in m.readings()),
            "every node up again",
        )
    finally:
        monitor.stop()
