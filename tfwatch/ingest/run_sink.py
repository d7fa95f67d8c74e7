"""What ingest reads into: runs it is given a way to make, never runs it builds itself.

The store's runs (:class:`tfwatch.store.runs.Run`) have the shape of :class:`RunSink`,
and whoever makes a tailer passes it a :class:`NewRun` that makes them
(:func:`tfwatch.loading.make_tailer`). So ingest never imports the store, while
worker processes still read into whole runs and hand them back (see
:mod:`tfwatch.ingest.workers`): the runs they get are the sink's own objects, pickled.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from tfwatch.ingest.file_state import EventFileState
from tfwatch.model.damage import Damage
from tfwatch.model.decoded_batch import DecodedBatch

#: Hparams parsed from a run's path (``lr=0.1``), the values a run starts with.
PathHparams = dict[str, str | float | bool]


class RunSink(Protocol):
    """One run as ingest fills it: its files' reading state, damage found, decoded data."""

    name: str
    root: str
    files: dict[str, EventFileState]
    damage: list[Damage]
    gone: bool
    last_growth: float

    def apply(self, batch: DecodedBatch, hparams_session: bool = False) -> None:
        """Merge what was decoded from one file's new bytes (``hparams_session``: from an
        add_hparams session's file, whose scalars are the run's final metrics)."""
        ...


R = TypeVar("R", bound=RunSink)
R_co = TypeVar("R_co", bound=RunSink, covariant=True)


class NewRun(Protocol[R_co]):
    """Makes the run for a run directory found under a root (``path``), named ``name``."""

    def __call__(self, name: str, root: str, path: str, hparams: PathHparams) -> R_co: ...
