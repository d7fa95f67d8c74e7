"""Imports of a command's working modules, with the garbage collector paused."""

from __future__ import annotations

from tfwatch.ingest.allocator import collector_paused

__all__ = ["collector_paused"]
