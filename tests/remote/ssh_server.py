"""An in-process SSH/SFTP server (asyncssh) on 127.0.0.1: throw-away host key, key login only.

It serves this machine's files, like an OpenSSH ``sshd`` would to its user, so a root
is ``ssh://tester@127.0.0.1:PORT/<tmp dir>``. Given ``exec_env``, it also runs the
commands clients send, as ``sshd`` does: ``sh -c COMMAND`` on this machine, with the
environment ``exec_env(username)`` adds (one server can so play several nodes: a user
per node, each with its own PATH). A command whose channel closes is killed with its
process group, as ``sshd`` hangs up on a session's processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import asyncssh


class SSHServer:
    """Start, stop and restart an SFTP server on a fixed port."""

    def __init__(
        self,
        port: int,
        host_key: asyncssh.SSHKey,
        client_public_key: str,
        exec_env: Callable[[str], dict[str, str]] | None = None,
    ) -> None:
        self.port = port
        self.exec_env = exec_env
        #: Commands run so far (exec sessions).
        self.commands_run = 0
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

        commands: dict[str, Any] = {}
        if self.exec_env is not None:
            # Commands' output as bytes, whatever they print.
            commands = {"process_factory": self._run_command, "encoding": None}

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
                **commands,
            )

        self._acceptor = self._run(listen())

    async def _run_command(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        assert self.exec_env is not None
        self.commands_run += 1
        user = str(process.get_extra_info("username") or "")
        env = {**os.environ, **self.exec_env(user)}
        local = await asyncio.create_subprocess_exec(
            "sh", "-c", process.command or "",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, env=env, start_new_session=True,
        )  # fmt: skip
        assert local.stdin is not None and local.stdout is not None
        local.stdin.close()  # the commands the tests send read nothing

        async def answer() -> int:
            assert local.stdout is not None
            # Copied by hand, not redirect(): all output must be sent before the exit status.
            while chunk := await local.stdout.read(65536):
                process.stdout.write(chunk)
                await process.stdout.drain()
            return await local.wait()

        try:
            ended = asyncio.ensure_future(answer())
            hung_up = asyncio.ensure_future(process.wait_closed())
            await asyncio.wait({ended, hung_up}, return_when=asyncio.FIRST_COMPLETED)
            hung_up.cancel()
            if ended.done() and not ended.exception():
                process.exit(ended.result())
            else:
                ended.cancel()
        finally:
            if local.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(local.pid, signal.SIGKILL)
                await local.wait()

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
