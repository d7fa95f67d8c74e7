"""Where event files live: a small filesystem interface with a local fast path.

Remote roots (``s3://``, ``gs://``, ``ssh://`` …) implement the same interface through
fsspec; the rest of the pipeline never knows the difference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

EVENT_MARKER = "tfevents"


class SourceError(Exception):
    """A root cannot be listed or read (missing, unreadable, server down)."""


@dataclass(frozen=True)
class FileInfo:
    """One event file as listed: path, size and whatever identifies the object."""

    path: str
    size: int
    mtime: float
    identity: tuple[int, int] | None = None


class Source(Protocol):
    """A log root that can be listed and read."""

    root: str

    def list_event_files(self) -> list[FileInfo]:
        """Every file under the root whose name contains ``tfevents``."""
        ...

    def read(self, path: str, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes of ``path`` starting at ``offset``."""
        ...

    def relative(self, directory: str) -> str:
        """A run directory's path relative to the root (``.`` for the root itself)."""
        ...

    def parent(self, path: str) -> str:
        """The directory holding ``path``."""
        ...


class LocalSource:
    """A directory tree on this machine."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))

    def check(self) -> None:
        """Raise :class:`SourceError` with a clear message if the root cannot be used."""
        if not os.path.exists(self.root):
            raise SourceError(f"{self.root}: no such file or directory")
        if not os.path.isdir(self.root):
            raise SourceError(f"{self.root}: not a directory")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise SourceError(f"{self.root}: permission denied")

    def list_event_files(self) -> list[FileInfo]:
        self.check()
        found: list[FileInfo] = []
        stack = [self.root]
        seen_links: set[str] = set()
        while stack:
            top = stack.pop()
            try:
                entries = list(os.scandir(top))
            except OSError:
                continue  # unreadable or vanished directory: its runs show as gone
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_symlink() and entry.is_dir():
                        # Follow linked directories once each: links may form cycles.
                        real = os.path.realpath(entry.path)
                        if real not in seen_links and not self.root.startswith(real + os.sep):
                            seen_links.add(real)
                            stack.append(entry.path)
                    elif EVENT_MARKER in entry.name and entry.is_file():
                        st = entry.stat()
                        found.append(
                            FileInfo(entry.path, st.st_size, st.st_mtime, (st.st_dev, st.st_ino))
                        )
                except OSError:
                    continue
        return found

    def read(self, path: str, offset: int, size: int) -> bytes:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read(size)
        except OSError as e:
            raise SourceError(f"{path}: {e.strerror or e}") from e

    def relative(self, directory: str) -> str:
        rel = os.path.relpath(directory, self.root)
        return "." if rel == os.curdir else rel.replace(os.sep, "/")

    def parent(self, path: str) -> str:
        return os.path.dirname(path)
