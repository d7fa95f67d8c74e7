"""The UI thread never takes the store's lock: ticks, compare and detail read copies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.compare import CompareScreen
from tfwatch.ui.screens.detail import DetailScreen

from .test_app import sync, table, wait_for


class RecordingLock:
    """A re-entrant lock that notes whether the main (UI) thread ever took it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.taken_on_main = False

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        if threading.current_thread() is threading.main_thread():
            self.taken_on_main = True
        return self._lock.acquire(*args, **kwargs)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@sync
async def test_the_ui_thread_never_takes_the_store_lock(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root, live=True, interval=0.1)
    lock = RecordingLock()
    app.session.tailer.lock = lock  # type: ignore[assignment]
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause(0.3)  # a few live ticks re-read the series
        await pilot.press("t", "escape", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("escape")
    assert not lock.taken_on_main
