"""Runs: what tfwatch knows about each run directory and its event files."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfwatch.ingest.file_state import EventFileState
from tfwatch.ingest.run_sink import PathHparams
from tfwatch.model.damage import Damage
from tfwatch.model.decoded_batch import DecodedBatch
from tfwatch.store.histograms import HistogramSeries
from tfwatch.store.series import ScalarSeries


@dataclass(frozen=True)
class IncompleteTail:
    """The end of an event file that holds part of a record: its writer has not flushed
    the rest yet. Read again on the next poll; never counted as damage."""

    file: str
    offset: int  # where the partial record starts
    pending_bytes: int


@dataclass
class Run:
    """One run directory and everything decoded from its event files."""

    name: str
    root: str
    path: str
    retain_all: bool = False
    scalars: dict[str, ScalarSeries] = field(default_factory=dict)
    histograms: dict[str, HistogramSeries] = field(default_factory=dict)
    #: Path-parsed hparams first (set when the run is found), then the hparams plugin's,
    #: which win over them.
    hparams: dict[str, str | float | bool] = field(default_factory=dict)
    #: The metrics written with the hparams by ``add_hparams`` (``hparam/accuracy``):
    #: one final value each, not training curves.
    final_metrics: dict[str, float] = field(default_factory=dict)
    text_tags: set[str] = field(default_factory=set)
    image_tags: set[str] = field(default_factory=set)
    files: dict[str, EventFileState] = field(default_factory=dict)
    damage: list[Damage] = field(default_factory=list)
    events: int = 0
    last_wall_time: float = 0.0
    last_growth: float = 0.0
    gone: bool = False
    #: Bumped on every change, so views can skip unchanged runs.
    version: int = 0

    def apply(self, batch: DecodedBatch, hparams_session: bool = False) -> None:
        """Merge what was decoded from one file's new bytes (``hparams_session``: from
        an add_hparams session's file, whose scalars are the run's final metrics)."""
        for tag, steps, values, walls in batch.scalar_groups():
            if hparams_session:
                if len(values):
                    self.final_metrics[tag] = float(values[-1])
                continue
            series = self.scalars.get(tag)
            if series is None:
                series = self.scalars[tag] = ScalarSeries(tag, retain_all=self.retain_all)
            series.extend(steps, values, walls)
        for tag, point in batch.histograms:
            hist = self.histograms.get(tag)
            if hist is None:
                hist = self.histograms[tag] = HistogramSeries(tag)
            hist.append(point)
        self.hparams.update(batch.hparams)
        self.text_tags |= batch.text_tags
        self.image_tags |= batch.image_tags
        self.events += batch.events
        self.last_wall_time = max(self.last_wall_time, batch.max_wall_time)
        self.version += 1

    def incomplete_tails(self) -> list[IncompleteTail]:
        """The run's files that end in a record still being written (see
        :func:`~tfwatch.ingest.reads.still_written`): not damage."""
        return [
            IncompleteTail(f.path, f.offset, f.pending) for f in self.files.values() if f.pending
        ]

    def last_update(self, watched_since: float = 0.0) -> float:
        """When the run last logged data (0: never): its "last update" wherever tfwatch
        shows one (the app's ``upd`` column, ``ls``), one definition for both.

        The wall time of its latest scalar event, as TensorBoard's wall-time axis shows
        it, else of its latest event: when the data was logged, so a run copied or
        synced from elsewhere keeps its age (its files' modification times are the copy's).
        A writer stamps its file-version event with the time it opened the file, even when
        the data carry other times, so scalars come first. ``watched_since`` (the app's
        first load; 0 for one-shot commands) adds new bytes seen arriving after it: a
        writer whose clock runs behind still shows as just updated while watched. The run
        state judges liveness from the files' modification times instead (see
        :mod:`tfwatch.system.run_state`)."""
        logged = max((s.last_wall_time for s in self.scalars.values()), default=0.0)
        logged = logged or self.last_wall_time
        if self.last_growth > watched_since > 0:
            logged = max(logged, self.last_growth)
        return logged

    @property
    def last_step(self) -> int:
        """Highest last step over the run's scalar tags (0 without scalars)."""
        return max((s.last_step for s in self.scalars.values()), default=0)

    @property
    def points(self) -> int:
        """Scalar points held over all tags."""
        return sum(s.count for s in self.scalars.values())


@dataclass(frozen=True)
class RunFactory:
    """Makes the store's runs for the tailer (an :class:`~tfwatch.ingest.run_sink.NewRun`):
    ``retain_all`` keeps every point of every series (export, report) instead of a
    bounded set."""

    retain_all: bool = False

    def __call__(self, name: str, root: str, path: str, hparams: PathHparams) -> Run:
        return Run(name=name, root=root, path=path, retain_all=self.retain_all, hparams=hparams)
