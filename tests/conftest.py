"""Shared fixtures: event files written by real writers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.system.writers import WriterFactory


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


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's sweep, written once with fixed wall times (see :mod:`tests.demo_runs`)."""
    from tests.demo_runs import write_demo_root

    return write_demo_root(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def writers() -> Iterator[WriterFactory]:
    """Spawns real tensorboardX / TensorBoard writer processes (forked from a zygote)."""
    from tests.system.writers import writer_factory

    with writer_factory() as factory:
        yield factory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``single_threaded`` run first, before any test leaves a thread behind
    (fsspec's IO loop lives as long as the process; so do the remote tests' servers):
    only a process with no other thread forks its workers."""
    items.sort(key=lambda item: item.get_closest_marker("single_threaded") is None)
