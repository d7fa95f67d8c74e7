"""A small client of Prometheus' HTTP API: instant queries (``/api/v1/query``).

Standard library only (``urllib``): one GET per query, a timeout taken from the caller's
deadline, extra headers (a bearer token, basic auth) sent as given and never written in
a message. A URL's ``user:password@`` becomes a basic-auth header and is dropped from
the label. Every failure is a :class:`PrometheusError` with one printable line: a bad
URL, a refused connection, no answer in time, an HTTP error, or an answer that is not
Prometheus' JSON.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from tfwatch.system.nodes.errors import NodeSourceError
from tfwatch.text.safe_text import printable

#: An answer larger than this is not read (64 nodes × 8 GPUs is ~0.2 MB per family).
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_QUERY_PATH = "/api/v1/query"


class PrometheusError(NodeSourceError):
    """A Prometheus server that cannot answer a query."""


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and value (None: NaN or ±Inf)."""

    labels: Mapping[str, str]
    value: float | None


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` → ``("Name", "value")``; the error never repeats the value."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(c.isspace() or not c.isprintable() for c in name):
        raise PrometheusError("a header must read 'Name: value' (e.g. 'Authorization: Bearer …')")
    value = value.strip()
    if any(c in value for c in "\r\n\0"):
        raise PrometheusError(f"header {name}: the value holds a line break")
    return name, value


class PrometheusClient:
    """Instant queries against one server; counts queries and bytes read off the wire."""

    def __init__(
        self, url: str, headers: Mapping[str, str] | None = None, timeout_s: float = 10.0
    ) -> None:
        self.base, self.label, auth = _split_url(url)
        # gzip: a tenth of the bytes on the wire (JSON of repeated labels packs well).
        self.headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": "tfwatch",
        }
        if auth is not None:
            self.headers["Authorization"] = auth
        self.headers.update(headers or {})
        self.timeout_s = timeout_s
        #: Queries sent and answer bytes read since the client was made.
        self.queries = 0
        self.bytes_read = 0
        self._counting = threading.Lock()  # queries run on several threads at once
        # No cookies, no redirects to other schemes: a plain opener (proxies from the
        # environment are honoured, as curl does).
        self._opener = urllib.request.build_opener()

    def query(self, expr: str, deadline: float | None = None) -> list[Sample]:
        """The instant vector ``expr`` evaluates to now; raises :class:`PrometheusError`."""
        timeout = self.timeout_s
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise PrometheusError(f"{self.label}: no time left for the query")
        url = self.base + _QUERY_PATH + "?" + urllib.parse.urlencode({"query": expr})
        request = urllib.request.Request(url, headers=self.headers)
        self._count(queries=1)
        body = self._fetch(request, timeout)
        return _vector(body, self.label)

    def _fetch(self, request: urllib.request.Request, timeout: float) -> bytes:
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                body: bytes = answer.read(MAX_ANSWER_BYTES + 1)
                packed = answer.headers.get("Content-Encoding", "").lower() == "gzip"
        except urllib.error.HTTPError as e:
            body = _read_quietly(e)
            self._count(bytes_read=len(body))
            raise PrometheusError(f"{self.label}: {_http_error(e.code, e.reason, body)}") from None
        except urllib.error.URLError as e:
            raise PrometheusError(f"{self.label}: {_reason(e.reason)}") from None
        except TimeoutError:
            raise PrometheusError(f"{self.label}: no answer within {timeout:.3g} s") from None
        except (OSError, ValueError) as e:
            raise PrometheusError(f"{self.label}: {_reason(e)}") from None
        self._count(bytes_read=len(body))
        if packed:
            body = self._unpack(body)
        if len(body) > MAX_ANSWER_BYTES:
            raise PrometheusError(f"{self.label}: answer larger than {MAX_ANSWER_BYTES} bytes")
        return body

    def _unpack(self, body: bytes) -> bytes:
        """A gzip answer, unpacked to at most ``MAX_ANSWER_BYTES`` + 1 bytes."""
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            return unpacker.decompress(body, MAX_ANSWER_BYTES + 1)
        except zlib.error:
            raise PrometheusError(f"{self.label}: a damaged gzip answer") from None

    def _count(self, queries: int = 0, bytes_read: int = 0) -> None:
        with self._counting:
            self.queries += queries
            self.bytes_read += bytes_read


def _split_url(url: str) -> tuple[str, str, str | None]:
    """(base URL without credentials, label for messages, basic-auth header or None)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        raise PrometheusError(f"not a valid URL: {printable(_without_userinfo(url))}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise PrometheusError(
            f"not an http(s) URL: {printable(_without_userinfo(url))} "
            "(expected e.g. http://prometheus:9090)"
        )
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc += f":{port}"
    base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    auth = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        auth = f"Basic {token}"
    return base, f"prometheus {printable(base)}", auth


def _without_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


def _read_quietly(e: urllib.error.HTTPError) -> bytes:
    try:
        return e.read(64 * 1024)
    except (OSError, ValueError):
        return b""


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror or reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return printable(reason.strerror)
    return printable(str(reason)) or type(reason).__name__


def _http_error(code: int, reason: str, body: bytes) -> str:
    """Prometheus puts its reason in a JSON ``error``; other servers get a hint."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        return f"query refused (HTTP {code}): {printable(doc['error'])[:300]}"
    if code in (401, 403):
        return f"HTTP {code} {printable(reason)}: check --prometheus-header"
    return f"HTTP {code} {printable(reason)} (is this a Prometheus server?)"


def _vector(body: bytes, label: str) -> list[Sample]:
    """The samples of an instant-vector answer, or PrometheusError for anything else."""
    not_prometheus = PrometheusError(
        f"{label}: not a Prometheus answer (expected JSON from {_QUERY_PATH})"
    )
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise not_prometheus from None
    if not isinstance(doc, dict) or doc.get("status") not in ("success", "error"):
        raise not_prometheus
    if doc["status"] == "error":
        raise PrometheusError(f"{label}: query failed: {printable(str(doc.get('error')))[:300]}")
    data = doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise not_prometheus
    if data.get("resultType") != "vector":
        raise PrometheusError(f"{label}: expected an instant vector, got {data.get('resultType')}")
    out = []
    for item in data["result"]:
        if not isinstance(item, dict):
            raise not_prometheus
        labels, value = item.get("metric"), item.get("value")
        if not isinstance(labels, dict) or not isinstance(value, list) or len(value) != 2:
            raise not_prometheus
        out.append(Sample({str(k): str(v) for k, v in labels.items()}, _number(value[1])))
    return out


def _number(text: object) -> float | None:
    try:
        number = float(str(text))
    except ValueError:
        return None
    return number if math.isfinite(number) else None
