"""Shared fixtures: event files written by real writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def tbx_run(tmp_path: Path) -> Callable[..., Path]:
    """Write a run with tensorboardX: ``tbx_run(name, {tag: [(step, value), ...]})``."""
    from tensorboardX import SummaryWriter

    def write(name: str, scalars: dict[str, list[tuple[int, float]]]) -> Path:
        run_dir = tmp_path / name
        w = SummaryWriter(str(run_dir))
        for tag, points in scalars.items():
            for step, value in points:
                w.add_scalar(tag, value, step)
        w.close()
        return run_dir

    return write


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test its own local cache of runs (``$XDG_CACHE_HOME/tfwatch``): never the
    user's, and nothing carried from one test to the next."""
    home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "tfwatch"
