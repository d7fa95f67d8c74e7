"""The tailer's account of a run memory (a cache of runs kept between processes): which
roots it restored, and which version of each run it last kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic

from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.run_memory import RunMemory
from tfwatch.ingest.run_sink import R
from tfwatch.ingest.sources.base import FileInfo, Source


@dataclass
class Keeper(Generic[R]):
    """A run memory's ``keep`` as called in a worker process (a read run stays there)."""

    memory: RunMemory[R]
    sources: dict[str, Source]
    prefixed: bool

    def __call__(self, run: R, plugins: TagPlugins) -> None:
        self.memory.keep(run.root, self.sources[run.root], self.prefixed, run, plugins)


class KeptRuns(Generic[R]):
    """Restores each root once, on its first listing, and keeps runs whose version moved."""

    def __init__(self, memory: RunMemory[R], prefixed: bool) -> None:
        self.memory = memory
        self._prefixed = prefixed
        self._restored: set[str] = set()  # root labels
        self._versions: dict[str, int] = {}  # run name -> version last kept

    def restore(
        self, label: str, source: Source, listed: list[FileInfo]
    ) -> list[tuple[R, TagPlugins]]:
        """The runs kept of root ``label`` that still match its files; none after the
        root's first listing."""
        if label in self._restored:
            return []
        self._restored.add(label)
        return self.memory.restore(label, source, listed, self._prefixed)

    def mark_kept(self, run: R) -> None:
        """``run`` as it is now needs no keeping (restored, or kept by a worker)."""
        self._versions[run.name] = run.version

    def keep_changed(
        self, runs: Iterable[R], plugins: Mapping[str, TagPlugins], sources: Mapping[str, Source]
    ) -> int:
        """Keep every run changed since it was last kept; return how many."""
        kept = 0
        for run in runs:
            if self._versions.get(run.name) == run.version or run.root not in sources:
                continue
            self.memory.keep(run.root, sources[run.root], self._prefixed, run, plugins[run.name])
            self.mark_kept(run)
            kept += 1
        if kept:
            self.memory.trim()
        return kept

    def keeper(self, sources: Mapping[str, Source]) -> Keeper[R]:
        """What a worker process calls to keep the runs it reads."""
        return Keeper(self.memory, dict(sources), self._prefixed)
