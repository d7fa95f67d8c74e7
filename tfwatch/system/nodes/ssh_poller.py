"""SSH nodes: the probe of :mod:`.ssh_probe` run once per poll over a kept connection.

A node is an SSH destination: the host of every SSH root (``host:path``,
``ssh://user@host:port/path``) and every ``--node DEST`` (``[user@]host`` — a
``~/.ssh/config`` alias included — or ``ssh://[user@]host[:port]``). Its connection is
the one the SSH roots on that host use (:data:`tfwatch.ingest.sources.ssh.CONNECTIONS`,
asyncssh through sshfs, with the same ``--storage-option ssh.…`` options), so a node
whose logs are read over SSH costs one channel per poll and no second login.

Each poll must end by its deadline: connecting, the command and reading its output
together. A node that cannot be reached, refuses the login or does not answer in time
reads ``up=False`` with its last error in one line (no secret: the destination is
shown without password), and is not tried again until a backoff has passed (doubling
from ``backoff_s`` up to ``max_backoff_s``), so a dead node costs nothing on the polls
in between. The next try after a failure opens a new connection: a restarted ``sshd``
is picked up without restarting tfwatch.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from tfwatch.ingest.discovery import parse_roots
from tfwatch.ingest.sources.errors import SourceError, describe_error
from tfwatch.ingest.sources.options import options_for
from tfwatch.ingest.sources.ssh import CONNECTIONS, SSHConnections, SSHTarget, parse_ssh_target
from tfwatch.model.nodes import NodeReading, NodeSource
from tfwatch.system.nodes.ssh_probe import (
    GPU_TIMEOUT_S,
    CpuTimes,
    parse_probe_output,
    probe_command,
)
from tfwatch.text.safe_text import printable

_BARE = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[A-Za-z0-9_][A-Za-z0-9_.\-]*)$")
#: Share of the time left that each of the two ``nvidia-smi`` calls may take (at most
#: :data:`GPU_TIMEOUT_S`), so a hung driver costs the GPU section, not the whole node.
_GPU_SHARE = 0.3


def parse_node_destination(text: str) -> SSHTarget:
    """``--node DEST`` → the SSH target (path unused); raises :class:`SourceError`."""
    if "://" in text:
        target = parse_ssh_target(text)
        if target is None or not text.startswith("ssh://"):
            raise SourceError(f"--node {text!r}: expected [USER@]HOST or ssh://[USER@]HOST[:PORT]")
        return SSHTarget(host=target.host, path=".", user=target.user, port=target.port)
    m = _BARE.match(text)
    if m is None:
        raise SourceError(f"--node {text!r}: expected [USER@]HOST or ssh://[USER@]HOST[:PORT]")
    return SSHTarget(host=m.group("host"), path=".", user=m.group("user"))


def _destination(target: SSHTarget) -> str:
    who = f"{target.user}@" if target.user else ""
    port = f":{target.port}" if target.port else ""
    return f"{who}{target.host}{port}"


class SshNodePoller:
    """One SSH node: a :class:`~tfwatch.system.nodes.poller.NodePoller` of one reading."""

    def __init__(
        self,
        target: SSHTarget,
        options: Mapping[str, Any] | None = None,
        *,
        connections: SSHConnections = CONNECTIONS,
        backoff_s: float = 2.0,
        max_backoff_s: float = 60.0,
    ) -> None:
        self.target = SSHTarget(host=target.host, path=".", user=target.user, port=target.port)
        self.destination = _destination(self.target)
        self.label = f"ssh {self.destination}"
        self._options = dict(options or {})
        self._connections = connections
        self._backoff = (backoff_s, max_backoff_s)
        self._lock = threading.Lock()
        self._fs: Any = None
        #: The node's own name once it answered (what writers put in file names).
        self._name = target.host
        self._cpu: CpuTimes | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._error: str | None = None

    @property
    def node_name(self) -> str:
        """The node's own name once it answered (else the destination's host)."""
        return self._name

    def poll(self, deadline: float) -> list[NodeReading]:
        """The node's reading, by ``deadline`` (``time.monotonic()`` seconds)."""
        with self._lock:
            return [self._poll(deadline)]

    def _poll(self, deadline: float) -> NodeReading:
        start = time.monotonic()
        if start < self._retry_at and self._error is not None:
            return self._down(self._error)
        try:
            output = self._probe(deadline)
        except Exception as error:  # every failure becomes a reading, never a raise
            return self._failed(error, deadline - start)
        result = parse_probe_output(
            output, self._name, time.time(), self._cpu, self._gpu_timeout(deadline - start)
        )
        self._cpu = result.cpu
        self._name = result.reading.name
        self._failures, self._retry_at, self._error = 0, 0.0, None
        return result.reading

    @staticmethod
    def _gpu_timeout(budget: float) -> int:
        return max(1, min(GPU_TIMEOUT_S, int(budget * _GPU_SHARE)))

    def _probe(self, deadline: float) -> bytes:
        if self._fs is None:
            self._fs = self._connections.get(
                self.target, self._options, timeout=deadline - time.monotonic()
            )
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no time left after connecting")
        return self._exec(probe_command(self._gpu_timeout(left)), deadline)

    def run(self, command: str, deadline: float) -> bytes:
        """Run one more ``command`` over the node's connection (a signal from ``K``):
        its output, by ``deadline``; raises on failure."""
        with self._lock:
            if self._fs is None:
                self._fs = self._connections.get(
                    self.target, self._options, timeout=deadline - time.monotonic()
                )
            return self._exec(command, deadline)

    def _exec(self, command: str, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no time left after connecting")
        future = asyncio.run_coroutine_threadsafe(
            _run(self._fs.client, command, left), self._fs.loop
        )
        try:
            # The coroutine ends itself at ``left``; the margin covers the loop's hop.
            return future.result(timeout=left + 1.0)
        except BaseException:
            future.cancel()
            raise

    def _failed(self, error: BaseException, budget: float) -> NodeReading:
        if self._fs is not None:
            # The next try opens a new connection (the old one may be half dead); roots
            # still using it find out on their own.
            self._connections.forget(self._fs)
            self._fs = None
        self._failures += 1
        first, most = self._backoff
        self._retry_at = time.monotonic() + min(most, first * 2 ** (self._failures - 1))
        if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
            message = f"{self.destination}: no answer within {max(budget, 0.0):.3g} s"
        else:
            message = describe_error(self.destination, "ssh", error, max(budget, 0.0))
        self._error = printable(message.replace("\n", " "))[:300]
        return self._down(self._error)

    def _down(self, error: str) -> NodeReading:
        return NodeReading(
            name=self._name, source=NodeSource.SSH, up=False, error=error, time=time.time()
        )

    def close(self) -> None:
        """Let go of the connection (the pool keeps it for the roots that share it)."""
        with self._lock:
            self._fs = None


async def _run(client: Any, command: str, timeout: float) -> bytes:
    """The command's output as bytes (a node may print anything: decoded by the parser);
    the channel is closed however it ends, a timeout included."""

    async def run() -> bytes:
        process = await client.create_process(command, encoding=None)
        try:
            done = await process.wait(check=False)
        finally:
            process.close()
        out = done.stdout
        return out if isinstance(out, bytes) else b""

    return await asyncio.wait_for(run(), timeout)


def ssh_node_pollers(
    roots: Sequence[str],
    nodes: Sequence[str] = (),
    storage_options: Mapping[str, Any] | None = None,
    backoff_s: float = 2.0,
    max_backoff_s: float = 60.0,
) -> list[SshNodePoller]:
    """A poller per SSH node: the hosts of the SSH roots, then each ``--node`` (one per
    destination; a malformed ``--node`` raises :class:`SourceError`)."""
    options = options_for(storage_options, "ssh")
    targets = [t for spec in parse_roots(roots) if (t := parse_ssh_target(spec.path))]
    targets += [parse_node_destination(text) for text in nodes]
    pollers: dict[tuple[str, str | None, int | None], SshNodePoller] = {}
    for target in targets:
        key = (target.host.lower(), target.user, target.port)
        if key not in pollers:
            pollers[key] = SshNodePoller(
                target, options, backoff_s=backoff_s, max_backoff_s=max_backoff_s
            )
    return list(pollers.values())
