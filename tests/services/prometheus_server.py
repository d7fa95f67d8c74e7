"""A real Prometheus server (Debian's ``prometheus``) on 127.0.0.1 for tests: a config
made for the test (scrape targets, rule files, 1 s intervals), a data directory under
the test's tmp path, and the HTTP API's queries."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

T = TypeVar("T")

#: How long a slow, loaded CI machine may take for Prometheus to start or see a change.
DEADLINE = 60.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def require_prometheus() -> tuple[str, str]:
    """Paths of ``prometheus`` and ``promtool`` (the test is skipped without them)."""
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        pytest.skip("the Debian package prometheus is not installed")
    return prometheus, promtool


def wait_for(what: str, probe: Callable[[], T | None], deadline: float = DEADLINE) -> T:
    """Call ``probe`` until it returns something other than None (or fail after
    ``deadline`` seconds, saying ``what`` was awaited and the last value seen)."""
    end = time.monotonic() + deadline
    while True:
        got = probe()
        if got is not None:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


@dataclass
class PrometheusServer:
    """A started server: its base URL and its HTTP API."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **params: str) -> Any:
        """The ``data`` of a GET on the API (raises on an error status)."""
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=10) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        """An instant query's result vector (the ``result`` list)."""
        data = self.get("/api/v1/query", query=promql)
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets_up(self) -> list[dict[str, Any]]:
        """The active scrape targets whose last scrape worked."""
        active = self.get("/api/v1/targets")["activeTargets"]
        return [t for t in active if t["health"] == "up"]


def write_config(directory: Path, targets: Sequence[str], rule_files: Sequence[Path] = ()) -> Path:
    """A ``prometheus.yml`` scraping ``targets`` (``host:port``) every second and
    evaluating ``rule_files`` every second."""
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": "tfwatch", "static_configs": [{"targets": list(targets)}]}],
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def running_prometheus(
    directory: Path, targets: Sequence[str], rule_files: Sequence[Path] = ()
) -> Iterator[PrometheusServer]:
    """A Prometheus server scraping ``targets``, ready to be queried; stopped after."""
    prometheus, _ = require_prometheus()
    directory.mkdir(parents=True, exist_ok=True)
    config = write_config(directory, targets, rule_files)
    port = free_port()
    log = directory / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = PrometheusServer(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_for("Prometheus to be ready", lambda: _ready(server))
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ready(server: PrometheusServer) -> bool | None:
    if server.process.poll() is not None:
        raise AssertionError(f"prometheus exited: {server.log.read_text()[-2000:]}")
    try:
        with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as response:
            return True if response.status == 200 else None
    except OSError:
        return None


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """``promtool args…`` (its output as text)."""
    _, tool = require_prometheus()
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)
