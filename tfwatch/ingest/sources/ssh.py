"""SSH roots: ``host:path`` (scp style) and ``ssh://user@host:port/path``, one connection per host.

Host aliases, users, ports, keys and the agent come from ``~/.ssh/config`` and the
environment exactly as OpenSSH would use them: asyncssh reads the same files when it is
given the bare host name, so tfwatch passes only what the root itself spells out.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

# ``[user@]host:path`` — the host has no ``/`` and is longer than one character, so a
# Windows drive (``C:\logs``) or a relative path holding a colon is not mistaken for it.
_SCP = re.compile(
    r"^(?:(?P<user>[^@/:\s]+)@)?"
    r"(?P<host>[A-Za-z0-9_\-][A-Za-z0-9_.\-]+)"
    r":(?P<path>.*)$"
)
_URL = re.compile(
    r"^(?:ssh|sftp)://(?:(?P<user>[^@/:]+)(?::[^@/]*)?@)?"
    r"(?P<host>[^/:]+)(?::(?P<port>\d+))?(?P<path>/.*)?$"
)


@dataclass(frozen=True)
class SSHTarget:
    """Where an SSH root points: host (or ``~/.ssh/config`` alias), user, port and path."""

    host: str
    path: str
    user: str | None = None
    port: int | None = None

    @property
    def display(self) -> str:
        """The root as shown to users (never with a password)."""
        who = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"ssh://{who}{self.host}{port}{self.path}"


def parse_ssh_target(text: str) -> SSHTarget | None:
    """The SSH target ``text`` names, or ``None`` when it is not an SSH root."""
    m = _URL.match(text)
    if m:
        return SSHTarget(
            host=m.group("host"),
            path=m.group("path") or ".",
            user=m.group("user"),
            port=int(m.group("port")) if m.group("port") else None,
        )
    if "://" in text or os.path.exists(text):
        return None
    m = _SCP.match(text)
    if m is None:
        return None
    # scp resolves a relative path against the login directory; SFTP does the same.
    return SSHTarget(host=m.group("host"), path=m.group("path") or ".", user=m.group("user"))


class SSHConnections:
    """One SFTP filesystem per (host, user, port, options), shared by every root on it.

    A connection that failed is dropped with :meth:`forget`; the next call reconnects, so
    a restarted server is picked up without restarting tfwatch.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[object, ...], Any] = {}
        self._connecting: dict[tuple[object, ...], threading.Lock] = {}

    def get(self, target: SSHTarget, options: dict[str, Any], timeout: float | None = None) -> Any:
        """The filesystem for ``target``, connecting on first use.

        ``timeout`` bounds the wait for a connection (another caller's included) and the
        connection's set-up; it is not part of what names the connection, so a node
        poller with a deadline shares the connection of the roots on that host.
        """
        key = (target.host, target.user, target.port, tuple(sorted(map(repr, options.items()))))
        with self._lock:
            fs = self._open.get(key)
            if fs is not None:
                return fs
            # Roots are listed in parallel: the second root on a host waits for the first
            # one's connection instead of opening its own; other hosts do not wait.
            host_lock = self._connecting.setdefault(key, threading.Lock())
        if not host_lock.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            raise TimeoutError(f"{target.display}: still connecting")
        try:
            with self._lock:
                fs = self._open.get(key)
            if fs is None:
                fs = self._open_connection(target, options, timeout)
                with self._lock:
                    self._open[key] = fs
        finally:
            host_lock.release()
        return fs

    @staticmethod
    def _open_connection(
        target: SSHTarget, options: dict[str, Any], timeout: float | None = None
    ) -> Any:
        from sshfs import SSHFileSystem

        kwargs: dict[str, Any] = dict(options)
        if timeout is not None:
            # asyncssh's own limit on TCP connect, key exchange and login together.
            kwargs.setdefault("connect_timeout", max(0.1, timeout))
        # Only what the root spells out: the rest comes from ~/.ssh/config via asyncssh.
        if target.user:
            kwargs.setdefault("username", target.user)
        if target.port:
            kwargs.setdefault("port", target.port)
        return SSHFileSystem(target.host, skip_instance_cache=True, **kwargs)

    def forget(self, fs: Any) -> None:
        """Drop a connection that failed so the next :meth:`get` opens a new one."""
        with self._lock:
            for key, held in list(self._open.items()):
                if held is fs:
                    del self._open[key]

    def count(self) -> int:
        """How many connections are open."""
        with self._lock:
            return len(self._open)


#: The process-wide pool: every SSH root of a tailer goes through it.
CONNECTIONS = SSHConnections()
