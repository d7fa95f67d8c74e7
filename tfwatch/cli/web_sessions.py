"""The app in browser tabs: ``textual-serve``'s server with a token and a session cap.

``textual-serve`` starts the app's command as a process for each browser tab that opens
its websocket, and stops it when the tab goes. What it lacks for a shared machine is
added here, in front of its handlers, so nothing reaches an app process unchecked:

- **a token**, checked by a middleware before any page, websocket or download is
  served: ``?token=T`` in the address (answered with a cookie holding the token's hash and
  a redirect that drops it from the address bar) or that cookie; missing → 401, wrong →
  403, and no process is started either way. The static files (textual-serve's script,
  font and stylesheet) hold nothing of the runs and are served to anyone;
- **a cap** on the processes: past ``max_sessions`` tabs, the page and the websocket
  answer 503 instead of starting one more;
- **same-origin websockets**: a page of another site cannot open a session with the
  user's cookie;
- the page's websocket address is built from the address the browser used, so the
  cookie set for that host is sent with it;
- a tab that navigates away closes its websocket (see :data:`CLOSE_ON_PAGEHIDE`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import time
from collections.abc import Awaitable, Callable
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

COOKIE = "tfwatch_token"
#: Seconds the server waits on exit for the app processes to quit.
SHUTDOWN_SECONDS = 10.0

#: Put first in the page's <head>. A browser may keep a page the user navigated away
#: from, frozen, in its back-forward cache, websocket open: its session (and app process)
#: would stay taken until the cache drops it. So the page's sockets are closed when it is
#: hidden, and a page brought back from that cache reloads to open a new session.
CLOSE_ON_PAGEHIDE = """<script>
(() => {
  const sockets = new Set();
  const NativeWebSocket = window.WebSocket;
  function TrackedWebSocket(url, protocols) {
    const ws = protocols === undefined
      ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    sockets.add(ws);
    return ws;
  }
  TrackedWebSocket.prototype = NativeWebSocket.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
    TrackedWebSocket[name] = NativeWebSocket[name];
  }
  window.WebSocket = TrackedWebSocket;
  window.addEventListener("pagehide", () => {
    for (const ws of sockets) ws.close(1000, "page hidden");
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) location.reload();
  });
})();
</script>"""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def token_digest(token: str) -> str:
    """What the cookie holds: the token's SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _page(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>tfwatch: {html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


class WebSessions(Server):
    """``textual-serve``'s server, behind a token check and a cap on app processes."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        token: str | None,
        max_sessions: int,
        out: IO[str],
    ) -> None:
        super().__init__(command, host=host, port=port, title="tfwatch")
        self._digest = token_digest(token) if token else None
        self.max_sessions = max_sessions
        #: Browser tabs with an app process now.
        self.sessions = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._out = out

    # -- checks in front of every handler -------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._check_token)
        return app

    @web.middleware
    async def _check_token(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._digest is None or request.path.startswith("/static/"):
            return await handler(request)
        given = request.query.get("token")
        if given is not None:
            if not hmac.compare_digest(token_digest(given), self._digest):
                return _page(403, "wrong token", "The token in this address is not the one "
                             "tfwatch serve was started with.")  # fmt: skip
            if request.path == "/":  # keep the token out of the address bar and history
                response = web.Response(status=303, headers={"Location": "/"})
                response.set_cookie(COOKIE, self._digest, httponly=True, samesite="Strict")
                return response
            return await handler(request)
        cookie = request.cookies.get(COOKIE)
        if cookie is None:
            return _page(401, "token needed", "Open the address tfwatch serve printed, "
                         "with ?token=… at its end.")  # fmt: skip
        if not hmac.compare_digest(cookie, self._digest):
            return _page(403, "wrong token", "This browser holds an old token: open the "
                         "address tfwatch serve printed, with ?token=… at its end.")  # fmt: skip
        return await handler(request)

    def _full(self) -> web.Response | None:
        if self.sessions < self.max_sessions:
            return None
        return _page(503, "all sessions in use", f"{self.sessions} of {self.max_sessions} "
                     "browser sessions are open (each runs its own tfwatch process); close "
                     "one or start tfwatch serve with a larger --max-sessions.")  # fmt: skip

    # -- textual-serve's handlers, wrapped ------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page that opens the websocket (503 when every session is taken)."""
        full = self._full()
        if full is not None:
            return full
        base = f"{request.scheme}://{request.host}"
        ws_scheme = "wss" if request.scheme == "https" else "ws"
        context: dict[str, Any] = {
            "font_size": 16,
            "app_websocket_url": f"{ws_scheme}://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {
                "name": f"tfwatch (read-only) · {self.sessions} of {self.max_sessions} "
                "sessions in use"
            },
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        page = page.replace("<head>", "<head>\n" + CLOSE_ON_PAGEHIDE, 1)
        return web.Response(text=page, content_type="text/html")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser tab: one app process, while the cap allows and the page is ours."""
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="websocket from another site")
        if self._full() is not None:
            raise web.HTTPServiceUnavailable(text="all sessions in use")
        self.sessions += 1
        self._say(f"session opened ({self.sessions} of {self.max_sessions})")
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1
            self._say(f"session closed ({self.sessions} of {self.max_sessions})")

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        self._sockets.add(websocket)
        try:
            await super()._process_messages(websocket, app_service)
        finally:
            self._sockets.discard(websocket)

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every tab's websocket, which stops its app process, and wait (a while)
        for the processes to end: without it the server waits for the tabs to go, and
        its loop must outlive the processes it reaps."""
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"tfwatch serve stopped")
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def on_startup(self, app: web.Application) -> None:
        """Say where to point the browser (instead of textual-serve's banner); sessions
        opening and closing are reported, each request is not."""
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._say(
            f"serving http://{host}:{self.port}/ (read-only; each browser tab runs its own "
            f"tfwatch process, {self.max_sessions} at most)"
        )

    def _say(self, line: str) -> None:
        self._out.write(f"tfwatch serve: {line}\n")
        self._out.flush()
