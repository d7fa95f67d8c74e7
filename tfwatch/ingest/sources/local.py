"""A log root on this machine: a directory tree listed with ``os.scandir``, whose
unchanged directories are not listed again."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from tfwatch.ingest.sources.base import EVENT_MARKER, FileInfo, Source
from tfwatch.ingest.sources.errors import RootNotFound, SourceError


@dataclass(frozen=True)
class _Listing:
    mtime: float
    dirs: list[tuple[str, bool]]  # (path, is a symlink)
    event_files: list[str]


class LocalSource(Source):
    """A directory tree on this machine."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))
        self._listings: dict[str, _Listing] = {}
        #: Directories the last listing could not read (no permission): their runs are
        #: not seen, and the tailer says why instead of letting them vanish silently.
        self.denied: list[str] = []

    def exists(self) -> bool:
        """Whether the root is there (it may appear later: the app waits for it)."""
        return os.path.exists(self.root)

    def check(self) -> None:
        """Raise :class:`SourceError` with a clear message if the root cannot be used."""
        if not os.path.exists(self.root):
            raise RootNotFound(f"{self.root}: no such file or directory")
        if not os.path.isdir(self.root):
            raise SourceError(f"{self.root}: not a directory")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise SourceError(f"{self.root}: permission denied")

    def list_event_files(self) -> list[FileInfo]:
        self.check()
        found: list[FileInfo] = []
        stack = [self.root]
        seen_links: set[str] = set()
        listings: dict[str, _Listing] = {}
        self.denied = []
        now = time.time()
        while stack:
            top = stack.pop()
            listing = self._listing(top, now)
            if listing is None:
                continue  # unreadable or vanished directory: its runs show as gone
            listings[top] = listing
            for sub, is_link in listing.dirs:
                if is_link:
                    # Follow linked directories once each: links may form cycles.
                    real = os.path.realpath(sub)
                    if real in seen_links or self.root.startswith(real + os.sep):
                        continue
                    seen_links.add(real)
                stack.append(sub)
            for path in listing.event_files:
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.append(FileInfo(path, st.st_size, st.st_mtime, (st.st_dev, st.st_ino)))
        self._listings = listings
        return found

    def _listing(self, directory: str, now: float) -> _Listing | None:
        """A directory's subdirectories and event files, reused while its mtime holds.

        Appending to a file does not touch its directory's mtime, so an idle poll of a
        large tree costs one ``stat`` per directory and per event file. A directory
        changed in the last seconds is listed again (coarse mtime clocks).
        """
        try:
            mtime = os.stat(directory).st_mtime
        except OSError:
            return None
        cached = self._listings.get(directory)
        if cached is not None and cached.mtime == mtime and now - mtime > 2.0:
            return cached
        dirs: list[tuple[str, bool]] = []
        files: list[str] = []
        try:
            with os.scandir(directory) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            dirs.append((entry.path, False))
                        elif entry.is_symlink() and entry.is_dir():
                            dirs.append((entry.path, True))
                        elif EVENT_MARKER in entry.name and entry.is_file():
                            files.append(entry.path)
                    except OSError:
                        continue
        except PermissionError:
            self.denied.append(directory)
            return None
        except OSError:
            return None
        return _Listing(mtime, dirs, files)

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
