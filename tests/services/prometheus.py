"""Real Prometheus parts on 127.0.0.1 for tests: a Prometheus server (Debian package
``prometheus``), a node exporter (``prometheus-node-exporter``) and an HTTP server that
serves ``prometheus_client`` registries at paths, so one port can stand for many
exporters.

General on purpose (any scrape targets, any registries)::

    exporters = MetricsServer()                       # /a and /b: two "exporters"
    exporters.serve("/a", registry_a); exporters.serve("/b", registry_b)
    prom = PrometheusServer(tmp_path, [
        ScrapeTarget("gpu", exporters.address, "/a", {"instance": "node-a:9400"}),
        ScrapeTarget("node", node_exporter.address),
    ])
    prom.start()                                      # waits for /-/ready
    prom.wait_for_query('up{job="gpu"} == 1')
    ...
    prom.stop(); prom.start()                         # same port, same storage
    prom.close()

Each part is stopped by its ``close()`` (the fixtures call it at teardown). Scrapes
happen every ``scrape_interval`` (1 s by default): wait for data with
:meth:`PrometheusServer.wait_for_query`, never with a fixed sleep.
"""

from __future__ import annotations

import http.server
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"
#: Generous: CI machines are slow and loaded.
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    """Call ``check`` until it returns something true; its value, or AssertionError."""
    end = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as e:  # a server still starting
            last_error = e
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what} ({last_error})")
        time.sleep(every)


@dataclass(frozen=True)
class ScrapeTarget:
    """One scrape target: ``address`` is host:port; ``labels`` may set ``instance`` (so
    that several targets on one port look like several machines)."""

    job: str
    address: str
    metrics_path: str = "/metrics"
    labels: Mapping[str, str] = field(default_factory=dict)


class PrometheusServer:
    """A real Prometheus on a free port, with a generated config and its own storage."""

    def __init__(
        self,
        workdir: Path,
        targets: Sequence[ScrapeTarget],
        scrape_interval: str = "1s",
        port: int | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.scrape_interval = scrape_interval
        self.config_path = self.workdir / "prometheus.yml"
        self.storage = self.workdir / "data"
        self.log_path = self.workdir / "prometheus.log"
        self.targets = list(targets)
        self._process: subprocess.Popen[bytes] | None = None
        self.write_config()

    def write_config(self) -> None:
        """Write the config for :attr:`targets` (JSON is YAML; read at the next start or
        :meth:`reload`)."""
        jobs: dict[str, list[dict[str, Any]]] = {}
        for t in self.targets:
            labels = dict(t.labels)
            if t.metrics_path != "/metrics":
                labels["__metrics_path__"] = t.metrics_path
            jobs.setdefault(t.job, []).append({"targets": [t.address], "labels": labels})
        config = {
            "global": {
                "scrape_interval": self.scrape_interval,
                "scrape_timeout": self.scrape_interval,
                "evaluation_interval": self.scrape_interval,
            },
            "scrape_configs": [
                {"job_name": job, "static_configs": static} for job, static in jobs.items()
            ],
        }
        self.config_path.write_text(json.dumps(config, indent=1))

    def start(self) -> None:
        """Start (or start again, same port and storage) and wait until ready."""
        if self._process is not None and self._process.poll() is None:
            return
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        self._process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.storage}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        wait_until(self._ready, START_TIMEOUT_S, f"Prometheus ready on {self.url}")

    def _ready(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"prometheus exited ({self._process.returncode}): {tail}")
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as answer:
            return bool(answer.status == 200)

    def reload(self) -> None:
        """Re-read the config (after :meth:`write_config`) without a restart."""
        request = urllib.request.Request(self.url + "/-/reload", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The result of an instant query (the API's ``data.result``)."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as answer:
            result: list[dict[str, Any]] = json.load(answer)["data"]["result"]
            return result

    def wait_for_query(
        self, expr: str, count: int = 1, timeout: float = START_TIMEOUT_S
    ) -> list[dict[str, Any]]:
        """Wait until ``expr`` returns at least ``count`` series; returns them."""
        return wait_until(
            lambda: (r := self.query(expr)) and len(r) >= count and r,
            timeout,
            f"{count} series of {expr!r}",
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s); the storage stays."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        """Stop for good."""
        self.stop()


class NodeExporter:
    """A real ``prometheus-node-exporter`` on a free port (this machine's CPU, memory...)."""

    def __init__(self, port: int | None = None, args: Sequence[str] = ()) -> None:
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.args = list(args)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until ``/metrics`` answers."""
        self._process = subprocess.Popen(
            [NODE_EXPORTER, f"--web.listen-address={self.address}", "--log.level=warn", *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        wait_until(self._answers, START_TIMEOUT_S, f"node exporter on {self.address}")

    def _answers(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"node exporter exited ({self._process.returncode})")
        with urllib.request.urlopen(f"http://{self.address}/metrics", timeout=5) as answer:
            return bool(answer.status == 200)

    def close(self) -> None:
        """Stop it."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class MetricsServer:
    """Serves ``prometheus_client`` registries (or anything with ``collect()``) in the
    text format, one per path, on a thread; :meth:`close` stops it (its targets go
    ``up`` = 0)."""

    def __init__(self, port: int | None = None) -> None:
        from prometheus_client import CollectorRegistry, generate_latest

        self._registries: dict[str, CollectorRegistry] = {}
        self.scrapes = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry = outer._registries.get(urllib.parse.urlsplit(self.path).path)
                if registry is None:
                    self.send_error(404)
                    return
                body = generate_latest(registry)
                outer.scrapes += 1
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the scraper gave up (Prometheus stopping, a scrape timeout)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, path: str, *collectors: Any) -> None:
        """Serve ``collectors`` (custom collectors or metrics) at ``path``."""
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry(auto_describe=False)
        for collector in collectors:
            registry.register(collector)
        self._registries[path] = registry

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
