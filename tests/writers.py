"""Helpers for tests that write real event files."""

from __future__ import annotations

import glob
import os
from pathlib import Path


def only_event_file(directory: Path) -> Path:
    """The single event file a writer left in ``directory``."""
    files = sorted(glob.glob(os.path.join(directory, "*tfevents*")))
    assert len(files) == 1, files
    return Path(files[0])
