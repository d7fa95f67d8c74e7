"""The exporter as a service: the session's ingest thread feeding ``/metrics`` until a
signal, or one consistent set of metrics printed for a textfile collector or cron.

The HTTP server is ``prometheus_client``'s own (a threaded WSGI server): scrapes are
answered on its threads from the latest publication and never wait for a poll.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from prometheus_client import generate_latest, start_http_server

from tfwatch.errors import UsageError
from tfwatch.exporter import DEFAULT_LISTEN
from tfwatch.exporter.collector import Exported, make_registry
from tfwatch.live.session import LiveSession


@dataclass(frozen=True)
class ListenAddress:
    """Host and port to serve ``/metrics`` on."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """``http://host:port/metrics`` (IPv6 hosts bracketed)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"


def parse_listen(text: str) -> ListenAddress:
    """``HOST:PORT``, ``[V6]:PORT`` or ``:PORT`` (this host only) as an address."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"--listen {text!r}: expected HOST:PORT, e.g. {DEFAULT_LISTEN}")
    host = host.removeprefix("[").removesuffix("]") or "127.0.0.1"
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UsageError(f"--listen {text!r}: {host!r} is not an IPv6 address") from None
    return ListenAddress(host, int(port_text))


class Exporter:
    """The session and its metrics; :meth:`serve` or :meth:`render_once`."""

    def __init__(self, session: LiveSession, tag_patterns: Sequence[str] = ()) -> None:
        self.session = session
        self.exported: Exported = make_registry(session, tag_patterns)

    def _start_session(self) -> None:
        collector = self.exported.collector
        self.session.start(collector.on_publish, collector.on_failure)

    def render_once(self, out: IO[bytes], timeout: float = 600.0) -> bool:
        """Poll until the first publication carries the chosen tags, write the metrics
        in the text format to ``out`` and stop. False when ``timeout`` passed first (what
        was read so far is written all the same)."""
        self._start_session()
        try:
            ready = self.exported.collector.ready.wait(timeout)
        finally:
            self.session.stop()
        out.write(generate_latest(self.exported.registry))
        out.flush()
        return ready

    def serve(
        self, address: ListenAddress, stop: threading.Event, on_listening: IO[str] | None = None
    ) -> None:
        """Serve ``/metrics`` on ``address`` until ``stop`` is set (raises
        ``UsageError`` when the address cannot be bound, before the session starts)."""
        try:
            server, thread = start_http_server(
                address.port, addr=address.host, registry=self.exported.registry
            )
        except OSError as e:
            shown = f"{address.host}:{address.port}"
            raise UsageError(f"cannot listen on {shown}: {e.strerror or e}") from None
        try:
            self._start_session()
            if on_listening is not None:
                bound = ListenAddress(address.host, server.server_address[1])
                on_listening.write(f"tfwatch exporter: serving {bound.url}\n")
                on_listening.flush()
            # A timed wait, so the signal handler that sets ``stop`` is run promptly.
            while not stop.wait(0.5):
                pass
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5.0)
            self.session.stop()
