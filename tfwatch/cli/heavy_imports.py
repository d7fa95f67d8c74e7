"""Imports of a command's working modules, with the garbage collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """For a command's imports: the modules it loads allocate tens of thousands of objects
    that live as long as the process, and the ~50 collections they would set off free
    nothing (see bench/README.md, "Command start-up")."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
