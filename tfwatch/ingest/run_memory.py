"""What the tailer asks of a cache of runs kept between processes (given from above:
the cache package sits over the store it serialises)."""

from __future__ import annotations

from typing import Protocol

from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.run_sink import R
from tfwatch.ingest.sources.base import FileInfo, Source


class RunMemory(Protocol[R]):
    """Runs as read by an earlier process, and the place to keep them for the next."""

    def restore(
        self, label: str, source: Source, listed: list[FileInfo], prefixed: bool
    ) -> list[tuple[R, TagPlugins]]:
        """The kept runs of one root that still describe its listed files."""
        ...

    def keep(self, label: str, source: Source, prefixed: bool, run: R, plugins: TagPlugins) -> None:
        """Keep ``run`` as read so far."""
        ...

    def trim(self) -> int:
        """Bring the kept runs under their size cap."""
        ...
