"""Handles on real writer processes for the system tests (see ``writer_server.py``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

SERVER = Path(__file__).with_name("writer_server.py")


class WriterProcess:
    """One forked writer: tell it to write, close or exit; kill it; wait for it to go."""

    def __init__(self, pid: int, logdir: Path, cmd: IO[str], ack: IO[str]) -> None:
        self.pid = pid
        self.logdir = logdir
        self._cmd, self._ack = cmd, ack
        self.workers: list[int] = []

    def _ask(self, line: str) -> str:
        self._cmd.write(line + "\n")
        self._cmd.flush()
        return self._ack.readline().strip()

    def write(self, steps: int = 1) -> int:
        """Log ``steps`` more steps, flushed; the last step written."""
        return int(self._ask(f"write {steps}"))

    def log_unflushed(self, steps: int = 1) -> int:
        """Log ``steps`` more steps into the writer's buffer without flushing."""
        return int(self._ask(f"log {steps}"))

    def fork_worker(self) -> int:
        """Fork an idle child that inherits the open descriptors; its PID."""
        pid = int(self._ask("fork"))
        self.workers.append(pid)
        return pid

    def close(self) -> None:
        """Close the writer (the process stays alive)."""
        assert self._ask("close") == "closed"

    def exit(self) -> None:
        """Close the writer and end the process normally."""
        self._cmd.write("exit\n")
        self._cmd.flush()
        self.wait_gone()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` and wait until the process is gone."""
        os.kill(self.pid, sig)
        self.wait_gone()

    def alive(self) -> bool:
        """Whether the PID still exists."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_gone(self, timeout: float = 5.0) -> None:
        """Block until the process has ended (its parent reaps it at once)."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                raise TimeoutError(f"writer {self.pid} did not exit")
            time.sleep(0.01)

    def event_files(self) -> list[str]:
        """Paths of the event files in its log dir."""
        return sorted(str(p) for p in self.logdir.glob("*tfevents*"))

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self._cmd.close()
        with contextlib.suppress(OSError):
            self._ack.close()
        for pid in [self.pid, *self.workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class WriterFactory:
    """Spawns writer processes through one pre-imported zygote."""

    def __init__(self) -> None:
        self._server = subprocess.Popen(
            [sys.executable, str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._server.stdout is not None
        assert self._server.stdout.readline().strip() == "ready"
        self._spawned: list[WriterProcess] = []
        self._count = 0

    def spawn(self, kind: str, logdir: Path) -> WriterProcess:
        """A new writer process of ``kind`` (``tbx`` or ``tb``) logging into ``logdir``."""
        assert self._server.stdin is not None and self._server.stdout is not None
        self._count += 1
        fifo_dir = logdir.parent / f".fifo{self._count}"
        fifo_dir.mkdir(parents=True, exist_ok=True)
        cmd_path, ack_path = fifo_dir / "cmd", fifo_dir / "ack"
        os.mkfifo(cmd_path)
        os.mkfifo(ack_path)
        self._server.stdin.write(f"spawn {kind} {logdir} {cmd_path} {ack_path}\n")
        self._server.stdin.flush()
        pid = int(self._server.stdout.readline())
        cmd = open(cmd_path, "w")  # noqa: SIM115 (kept open for the writer's life)
        ack = open(ack_path)  # noqa: SIM115
        assert ack.readline().strip() == "ready"
        proc = WriterProcess(pid, logdir, cmd, ack)
        self._spawned.append(proc)
        return proc

    def close(self) -> None:
        for proc in self._spawned:
            proc.release()
        self._server.kill()
        self._server.wait()


@contextlib.contextmanager
def writer_factory() -> Iterator[WriterFactory]:
    """A :class:`WriterFactory` that cleans up every process it made."""
    factory = WriterFactory()
    try:
        yield factory
    finally:
        factory.close()
