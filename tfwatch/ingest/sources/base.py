"""The interface every kind of log root implements, and what a listing returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EVENT_MARKER = "tfevents"


@dataclass(frozen=True)
class FileInfo:
    """One event file as listed: path, size and whatever identifies the object."""

    path: str
    size: int
    mtime: float
    #: (device, inode) of a local file; ETag, generation or version id of an object.
    identity: tuple[int, int] | str | None = None


class Source(ABC):
    """A log root that can be listed and read.

    Subclasses implement the four abstract methods; the hooks below do nothing unless
    a kind of source has a use for them (the tailer calls them on every source).
    """

    root: str
    #: Directories the last listing could not read (no permission): the tailer reports
    #: them instead of letting their runs vanish silently.
    denied: Sequence[str] = ()

    @abstractmethod
    def list_event_files(self) -> list[FileInfo]:
        """Every file under the root whose name contains ``tfevents``."""
        ...

    @abstractmethod
    def read(self, path: str, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes of ``path`` starting at ``offset``."""
        ...

    def read_spans(self, path: str, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        """:meth:`read` of each ``(offset, size)`` of ``path`` (a local file is opened
        once for all of them)."""
        return [self.read(path, offset, size) for offset, size in spans]

    @abstractmethod
    def relative(self, directory: str) -> str:
        """A run directory's path relative to the root (``.`` for the root itself)."""
        ...

    @abstractmethod
    def parent(self, path: str) -> str:
        """The directory holding ``path``."""
        ...

    def will_read(self, ranges: list[tuple[str, int, int]]) -> None:
        """The reads the tailer is about to make this poll, ``(path, offset, end)``: a
        remote source fetches them in batches. Nothing by default."""
        return

    def report_status(self, status: Any) -> None:
        """Copy what the source knows of its health (slow, request counts) onto the
        tailer's per-root status. Nothing by default."""
        return
