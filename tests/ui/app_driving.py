"""Driving the real app headless in tests: run a coroutine test, wait for a condition,
read what the terminal shows."""

from __future__ import annotations

import asyncio
import functools
import html
import re
from collections.abc import Callable, Coroutine
from typing import Any

from textual.app import App

from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.widgets.runs_table import RunsTable

ALL = [
    "baseline[bs=64]",
    "sweep/lr=0.003",
    "sweep/lr=0.01",
    "sweep/lr=0.03",
    "sweep/lr=0.1",
    "sweep/lr=0.3",
]


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (no pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition`` holds."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


def table(app: TfwatchApp) -> RunsTable:
    return app.query_one(RunsTable)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text (one line per screen row)."""
    svg = app.export_screenshot()
    rows: dict[str, list[str]] = {}
    for line, body in re.findall(
        r'<text[^>]*clip-path="url\(#[\w-]*-line-(\d+)\)">(.*?)</text>', svg
    ):
        rows.setdefault(line, []).append(html.unescape(body).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(rows.items(), key=lambda kv: int(kv[0])))
