"""Log roots written by tensorboardX for the exporter's tests."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from tests.exporter.exporter_runs import (
    BAD_UTF8,
    HOSTILE_RUNS,
    HOSTILE_TAG,
    write_run,
    write_tensorboard_run,
)


@pytest.fixture
def hostile_logs(tmp_path: Path) -> Path:
    """A healthy run, a run that went NaN, the hostile names and a non-UTF-8 name."""
    root = tmp_path / "logs"
    write_run(
        root,
        "healthy",
        [1.0 / (1 + i) for i in range(40)],
        val__acc=[0.5 + i / 100 for i in range(40)],
    )
    write_run(root, "went_nan", [1.0] * 30 + [math.nan] * 10)
    for name in HOSTILE_RUNS.values():
        write_run(root, name, [2.0 - i / 100 for i in range(20)])
    write_tensorboard_run(root, "hostile_tag", [3.0, 2.0, 1.0], tag=HOSTILE_TAG)
    write_run(root, "bad-utf8", [1.0, 0.5])
    os.rename(os.fsencode(root / "bad-utf8"), os.fsencode(root) + b"/" + BAD_UTF8)
    return root
