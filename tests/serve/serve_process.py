"""``python -m tfwatch serve …`` as a real process on a free port, for tests."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.services.prometheus_server import free_port, wait_for


@dataclass
class ServeProcess:
    """A running ``tfwatch serve``: its process, address and log."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def app_processes(self) -> list[psutil.Process]:
        """The app processes the server started (one per open browser tab)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [c for c in children if _is_app(c)]

    def get(self, path: str) -> tuple[int, str]:
        """(status, body) of a GET on the server, following redirects with the cookies
        they set (as a browser does)."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        try:
            with opener.open(self.url + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def _is_app(process: psutil.Process) -> bool:
    try:
        return "tfwatch" in process.cmdline() and process.is_running()
    except psutil.Error:
        return False


def _listening(log: Path, process: subprocess.Popen[bytes]) -> bool | None:
    text = log.read_text(errors="replace")
    if process.poll() is not None:
        raise AssertionError(f"tfwatch serve exited ({process.returncode}): {text[-2000:]}")
    return True if "tfwatch serve: serving" in text else None


@contextmanager
def running_serve(roots: Sequence[Path], log: Path, *options: str) -> Iterator[ServeProcess]:
    """``tfwatch serve ROOTS --port FREE OPTIONS`` until the block ends (then SIGTERM)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-m", "tfwatch", "serve", *map(str, roots), "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen([*argv, *options], stdout=out, stderr=subprocess.STDOUT, env=env)
    served = ServeProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for("tfwatch serve to listen", lambda: _listening(log, process))
        wait_for("its port to answer", lambda: _answers(served))
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(served: ServeProcess) -> bool | None:
    try:
        served.get("/static/css/xterm.css")
    except OSError:
        return None
    return True
