"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by
Selenium, that can read what the app drew in its terminal.

textual-serve's page draws the terminal on a canvas (xterm.js with WebGL), so the text
is not in the page's DOM. A script added before the page loads keeps a copy of every
byte the page's websocket receives; :func:`screen_text` plays them through ``pyte``, a
terminal emulator, at the size the page asked for, which gives the screen as lines.
"""

from __future__ import annotations

import base64
import shutil
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

#: Wraps the page's WebSocket: the binary messages (terminal output) are kept in
#: ``window.__tfwatchFrames`` (base64) and the socket's address in ``__tfwatchSocketUrl``.
RECORD_FRAMES = """
window.__tfwatchFrames = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const ws = protocols === undefined
    ? new NativeWebSocket(url)
    : new NativeWebSocket(url, protocols);
  window.__tfwatchSocketUrl = url;
  window.__tfwatchSocket = ws;
  ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") return;
    const bytes = new Uint8Array(event.data);
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    window.__tfwatchFrames.push(btoa(text));
  });
  return ws;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
"""


def require_chromium() -> tuple[str, str]:
    """Paths of ``chromium`` and ``chromedriver`` (skip the test without them)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip("the Debian packages chromium and chromium-driver are not installed")
    return chromium, driver


@contextmanager
def headless_chromium(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A Selenium driver of a headless Chromium that records the websocket's frames."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_FRAMES})
        yield driver
    finally:
        driver.quit()


def received_bytes(driver: Any) -> bytes:
    """Every byte the page's websocket received so far."""
    frames = driver.execute_script("return window.__tfwatchFrames || [];")
    return b"".join(base64.b64decode(f) for f in frames)


def terminal_size(driver: Any) -> tuple[int, int] | None:
    """(columns, rows) the page asked the app for, once its websocket is open."""
    url = driver.execute_script("return window.__tfwatchSocketUrl || null;")
    if url is None:
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return int(query["width"][0]), int(query["height"][0])


def screen_text(driver: Any) -> str:
    """The terminal as the page shows it now, one line per row ("" before it opens)."""
    import pyte

    size = terminal_size(driver)
    if size is None:
        return ""
    screen = pyte.Screen(*size)
    stream = pyte.ByteStream(screen)
    stream.feed(received_bytes(driver))
    return "\n".join(line.rstrip() for line in screen.display)
