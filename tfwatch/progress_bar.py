"""A load's progress bar on standard error, for the one-shot commands.

Shown only when standard error is a terminal and the load has taken over a second
(``TFWATCH_PROGRESS_AFTER`` seconds): nothing on pipes or in files, nothing for a
quick load. The line is drawn over itself and wiped when the load ends.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO

from tfwatch.model.load_progress import LoadProgress
from tfwatch.text.load_progress import load_progress_line

BAR_CELLS = 24
REDRAW_SECONDS = 0.1


class StderrProgress:
    """Called with the load's progress as it reads (see ``Tailer.poll``)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.after = float(os.environ.get("TFWATCH_PROGRESS_AFTER", "1"))
        except ValueError:
            self.after = 1.0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.enabled = False

    def __call__(self, load: LoadProgress) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.started < self.after:
            return
        if now - self._drawn_at < REDRAW_SECONDS and load.bytes_done < load.bytes_total:
            return
        self._drawn_at = now
        share = load.bytes_done / load.bytes_total if load.bytes_total else 1.0
        filled = round(share * BAR_CELLS)
        words = load_progress_line(
            load.runs_done, load.runs_total, load.bytes_done, load.bytes_total, now - load.started
        )
        line = f"{'█' * filled}{'░' * (BAR_CELLS - filled)} {share * 100:3.0f}% {words}"
        self._write(line)

    def close(self) -> None:
        """Wipe the bar (when one was drawn)."""
        if self._width:
            self._write("")
            self._width = 0

    def _write(self, line: str) -> None:
        pad = max(0, self._width - len(line))
        try:
            self.stream.write("\r" + line + " " * pad + ("\r" if not line else ""))
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False
        self._width = len(line)
