"""Fixtures for the system tests: real writer processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.writers import WriterFactory, writer_factory


@pytest.fixture(scope="session")
def writers() -> Iterator[WriterFactory]:
    """Spawns real tensorboardX / TensorBoard writer processes (forked from a zygote)."""
    with writer_factory() as factory:
        yield factory
