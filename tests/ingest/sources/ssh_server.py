"""An in-process SSH/SFTP server (asyncssh) on 127.0.0.1: throw-away host key, key login only.

It serves this machine's files, like an OpenSSH ``sshd`` would to its user, so a root
is ``ssh://tester@127.0.0.1:PORT/<tmp dir>``.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import asyncssh


class SSHServer:
    """Start, stop and restart an SFTP server on a fixed port."""

    def __init__(self, port: int, host_key: asyncssh.SSHKey, client_public_key: str) -> None:
        self.port = port
        self.host_key = host_key
        self.authorized = asyncssh.import_authorized_keys(client_public_key)
        self.connections_made = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._acceptor: Any = None
        self._conns: list[asyncssh.SSHServerConnection] = []

    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=20)

    def start(self) -> None:
        """Listen on the port."""
        outer = self

        class Server(asyncssh.SSHServer):
            def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
                outer.connections_made += 1
                outer._conns.append(conn)

        async def listen() -> Any:
            return await asyncssh.listen(
                "127.0.0.1",
                self.port,
                server_host_keys=[self.host_key],
                authorized_client_keys=self.authorized,
                sftp_factory=True,
                allow_scp=False,
                server_factory=Server,
                reuse_address=True,
            )

        self._acceptor = self._run(listen())

    def stop(self) -> None:
        """Stop listening and cut every open connection (a server going down)."""

        async def close() -> None:
            if self._acceptor is not None:
                self._acceptor.close()
                await self._acceptor.wait_closed()
            for conn in self._conns:
                conn.close()
            self._conns.clear()

        self._run(close())
        self._acceptor = None

    def shutdown(self) -> None:
        """Stop the server and its event loop."""
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
