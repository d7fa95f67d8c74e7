"""A thin layer over :mod:`tests.services.prometheus` (kept as written there) for the
exporter's tests: rule files in the generated config, the API's errors raised, the
targets' health, ``promtool``, and a ``with`` block that starts and stops the server."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.services.prometheus import (
    START_TIMEOUT_S,
    PrometheusServer,
    ScrapeTarget,
    free_port,
    wait_until,
)

__all__ = ["RulesPrometheus", "free_port", "promtool", "running_prometheus", "wait_for"]

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T], deadline: float = START_TIMEOUT_S) -> T:
    """``probe()`` once it returns something true (AssertionError after ``deadline``)."""
    result: T = wait_until(probe, deadline, what)
    return result


def require_prometheus() -> tuple[str, str]:
    """Paths of ``prometheus`` and ``promtool`` (the test is skipped without them)."""
    prometheus, promtool_path = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool_path is None:
        pytest.skip("the Debian package prometheus is not installed")
    return prometheus, promtool_path


class RulesPrometheus(PrometheusServer):
    """A :class:`PrometheusServer` that also evaluates ``rule_files`` (every scrape
    interval), with the API's answers and errors at hand."""

    def __init__(
        self, workdir: Path, targets: Sequence[ScrapeTarget], rule_files: Sequence[Path] = ()
    ) -> None:
        self.rule_files = [str(p) for p in rule_files]
        super().__init__(workdir, targets)

    def write_config(self) -> None:
        super().write_config()
        config = json.loads(self.config_path.read_text())
        config["rule_files"] = self.rule_files
        self.config_path.write_text(json.dumps(config, indent=1))

    def get(self, path: str, **params: str) -> Any:
        """The ``data`` of a GET on the API (HTTPError on an error status: a query that
        does not parse is a 400)."""
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def targets_up(self) -> list[dict[str, Any]]:
        """The active scrape targets whose last scrape worked."""
        active = self.get("/api/v1/targets")["activeTargets"]
        return [t for t in active if t["health"] == "up"]


@contextmanager
def running_prometheus(
    directory: Path, targets: Sequence[str], rule_files: Sequence[Path] = ()
) -> Iterator[RulesPrometheus]:
    """A ready Prometheus scraping ``targets`` (``host:port``, job ``tfwatch``) every
    second and evaluating ``rule_files``; stopped after the block."""
    require_prometheus()
    server = RulesPrometheus(
        directory, [ScrapeTarget("tfwatch", target) for target in targets], rule_files
    )
    try:
        server.start()
        yield server
    finally:
        server.close()


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """``promtool args…`` (its output as text)."""
    _, tool = require_prometheus()
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)
