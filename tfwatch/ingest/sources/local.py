"""A log root on this machine: a directory tree listed with ``os.scandir``, whose
unchanged directories are not listed again and whose quiet parts are looked at less often.

A tree of months of finished runs costs a ``stat`` per directory and per event file
each pass; at 10,000 runs that was a tenth of a core for nothing. A file or directory
whose mtime is older than :data:`QUIET_AFTER` and that was unchanged when last looked at
is *quiet*: it is looked at again after a tenth of its quiet time, 5–30 s (spread so
that the checks do not fall on the same pass), instead of every pass. A run that resumes
after a pause is seen within those seconds; a file being written is never quiet.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import is_

from tfwatch.ingest.sources.base import EVENT_MARKER, FileInfo, Source
from tfwatch.ingest.sources.errors import RootNotFound, SourceError

#: Seconds since its last change after which a file or directory is quiet.
QUIET_AFTER = 60.0
#: A quiet file or directory waits a tenth of its quiet time before it is looked at
#: again, within these bounds (seconds): a run paused for a minute is seen to resume
#: within 6 s, one finished an hour ago within 30 s.
RECHECK_MIN, RECHECK_MAX = 5.0, 30.0
#: Seconds between the times at which what has long been quiet is looked at again.
QUIET_GRID = 10.0


def quiet_wait(age: float) -> float:
    """The longest wait before looking again at what has not changed for ``age`` s."""
    return min(RECHECK_MAX, max(RECHECK_MIN, age / 10))


def _next_check(key: str, mtime: float, now: float) -> float:
    """When to look at ``key`` again: next pass, or a while later when it is quiet (half
    to all of :func:`quiet_wait`, a share that its name fixes, spreads the checks over
    the passes)."""
    age = now - mtime
    if age < QUIET_AFTER:
        return 0.0
    wait = quiet_wait(age)
    at = now + wait * (0.5 + (hash(key) & 0xFFFF) / 0x20000)
    if wait >= RECHECK_MAX:
        # Long quiet (finished runs): due together on a shared grid, not spread over
        # every pass, so that a quiet tree is walked once per grid step; still within
        # RECHECK_MAX, and no sooner than RECHECK_MIN.
        at = max(now + RECHECK_MIN, math.floor(at / QUIET_GRID) * QUIET_GRID)
    return at


@dataclass
class _Listing:
    mtime: float
    dirs: list[tuple[str, bool]]  # (path, is a symlink)
    event_files: list[str]
    next_check: float = 0.0


@dataclass
class _Stat:
    info: FileInfo
    next_check: float


class LocalSource(Source):
    """A directory tree on this machine."""

    def __init__(self, root: str, clock: Callable[[], float] = time.time) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))
        self._clock = clock
        self._listings: dict[str, _Listing] = {}
        self._stats: dict[str, _Stat] = {}
        #: The last listing returned: given again (the same list) while nothing changed,
        #: which tells the tailer there is nothing to match.
        self._last: list[FileInfo] | None = None
        #: Until when nothing the last walk saw is due a look (0: the next pass walks).
        self._quiet_until = 0.0
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
        now = self._clock()
        if self._last is not None and now < self._quiet_until:
            # Nothing in the tree is due a look: a walk would hand back what it holds
            # (10,000 quiet runs: a Python loop of ~30 ms a second, for nothing).
            return self._last
        found: list[FileInfo] = []
        stack = [self.root]
        seen_links: set[str] = set()
        listings: dict[str, _Listing] = {}
        stats: dict[str, _Stat] = {}
        self.denied = []
        whole = True  # every directory and event file was seen (nothing to try again)
        while stack:
            top = stack.pop()
            listing = self._listing(top, now)
            if listing is None:
                whole = False
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
                known = self._stat(path, now)
                if known is not None:
                    stats[path] = known
                    found.append(known.info)
                else:
                    whole = False
        self._listings, self._stats = listings, stats
        self._quiet_until = (
            min(
                min((x.next_check for x in listings.values()), default=math.inf),
                min((x.next_check for x in stats.values()), default=math.inf),
            )
            if whole
            else 0.0
        )
        last = self._last
        if last is not None and len(last) == len(found) and all(map(is_, last, found)):
            return last
        self._last = found
        return found

    def _stat(self, path: str, now: float) -> _Stat | None:
        """``path``'s size and identity: as last seen while it is quiet, else stat'ed
        (the same :class:`FileInfo` object when nothing changed)."""
        known = self._stats.get(path)
        if known is not None and now < known.next_check:
            return known
        try:
            st = os.stat(path)
        except OSError:
            return None
        info = FileInfo(path, st.st_size, st.st_mtime, (st.st_dev, st.st_ino))
        if known is None or known.info != info:
            return _Stat(info, 0.0)  # new or changed: looked at again next pass
        known.next_check = _next_check(path, st.st_mtime, now)
        return known

    def _listing(self, directory: str, now: float) -> _Listing | None:
        """A directory's subdirectories and event files, reused while its mtime holds.

        Appending to a file does not touch its directory's mtime, so an idle poll of a
        large tree costs one ``stat`` per directory and per event file, and less once
        they are quiet. A directory changed in the last seconds is listed again (coarse
        mtime clocks).
        """
        cached = self._listings.get(directory)
        if cached is not None and now < cached.next_check:
            return cached
        try:
            mtime = os.stat(directory).st_mtime
        except OSError:
            return None
        if cached is not None and cached.mtime == mtime and now - mtime > 2.0:
            cached.next_check = _next_check(directory, mtime, now)
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

    def read_spans(self, path: str, spans: Sequence[tuple[int, int]]) -> list[bytes]:
        # (a restart from the cache reads two records of every file: one open, not two)
        try:
            with open(path, "rb", buffering=0) as f:
                out = []
                for offset, size in spans:
                    f.seek(offset)
                    out.append(f.read(size) or b"")
                return out
        except OSError as e:
            raise SourceError(f"{path}: {e.strerror or e}") from e

    def relative(self, directory: str) -> str:
        rel = os.path.relpath(directory, self.root)
        return "." if rel == os.curdir else rel.replace(os.sep, "/")

    def parent(self, path: str) -> str:
        return os.path.dirname(path)
