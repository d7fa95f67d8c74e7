"""``python -m tfwatch exporter …`` as a real process on a free port, for tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.services.prometheus_server import wait_for

_SERVING = re.compile(r"serving (http://127\.0\.0\.1:(\d+)/metrics)")


@dataclass
class ExporterProcess:
    """A running exporter: its process, the URL of its metrics and its log."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path

    @property
    def target(self) -> str:
        """``host:port`` for a Prometheus scrape config."""
        return f"127.0.0.1:{self.port}"

    def scrape(self) -> str:
        """One scrape of ``/metrics``, as text."""
        with urllib.request.urlopen(self.url, timeout=10) as response:
            text: str = response.read().decode("utf-8")
            return text


def _serving(log: Path, process: subprocess.Popen[bytes]) -> re.Match[str] | None:
    text = log.read_text(errors="replace")
    if process.poll() is not None:
        raise AssertionError(f"the exporter exited ({process.returncode}): {text[-2000:]}")
    return _SERVING.search(text)


@contextmanager
def running_exporter(
    roots: Sequence[Path | str], log: Path, *options: str
) -> Iterator[ExporterProcess]:
    """``tfwatch exporter ROOTS --listen 127.0.0.1:0 OPTIONS`` until the block ends
    (then SIGTERM, and it must exit 0)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-m", "tfwatch", "exporter", *map(str, roots)]
    argv += ["--listen", "127.0.0.1:0", "--interval", "0.5", *options]
    with log.open("wb") as err:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        match = wait_for("the exporter to listen", lambda: _serving(log, process))
        yield ExporterProcess(process, match.group(1), int(match.group(2)), log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise AssertionError("the exporter did not stop on SIGTERM") from None
