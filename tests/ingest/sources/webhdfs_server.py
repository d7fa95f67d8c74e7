"""A small WebHDFS name node serving a local directory (the REST calls fsspec makes).

Native ``hdfs://`` needs Hadoop's libraries, which cannot be installed here; WebHDFS is
plain HTTP, so a test server that speaks its JSON is enough to exercise tfwatch's path.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

PREFIX = "/webhdfs/v1"


class WebHDFSServer:
    """Serves ``directory`` as WebHDFS on 127.0.0.1; only ``user`` may read it."""

    def __init__(self, directory: Path, port: int, user: str) -> None:
        self.directory, self.port, self.user = directory, port, user
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if query.get("user.name") != outer.user:
                    self._error(403, "AccessControlException", "Permission denied")
                    return
                path = unquote(url.path.removeprefix(PREFIX)) or "/"
                local = outer.directory / path.lstrip("/")
                op = query.get("op", "")
                if not local.exists():
                    self._error(404, "FileNotFoundException", f"File {path} does not exist.")
                elif op == "GETFILESTATUS":
                    self._json({"FileStatus": _status(local, "")})
                elif op == "LISTSTATUS":
                    entries = [_status(p, p.name) for p in sorted(local.iterdir())]
                    self._json({"FileStatuses": {"FileStatus": entries}})
                elif op == "OPEN":
                    offset = int(query.get("offset", 0))
                    with open(local, "rb") as f:
                        f.seek(offset)
                        data = f.read(int(query["length"]) if "length" in query else -1)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._error(400, "UnsupportedOperationException", f"op {op}")

            def _json(self, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, code: int, exception: str, message: str) -> None:
                data = json.dumps(
                    {"RemoteException": {"exception": exception, "message": message}}
                ).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and drop the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _status(path: Path, suffix: str) -> dict[str, object]:
    st = os.stat(path)
    is_dir = path.is_dir()
    return {
        "pathSuffix": suffix,
        "type": "DIRECTORY" if is_dir else "FILE",
        "length": 0 if is_dir else st.st_size,
        "modificationTime": int(st.st_mtime * 1000),
        "owner": "hdfs",
        "group": "supergroup",
        "permission": "755",
    }
