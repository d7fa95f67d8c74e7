"""The local cache of runs as read: a file per run, so a restart reads only new bytes.

Where: ``$XDG_CACHE_HOME/tfwatch`` (``~/.cache/tfwatch``), never inside a log root; one
directory per log root, one file per run (see :mod:`.run_codec`). A file is written to
a temporary name beside it and moved into place with ``os.replace``, so a reader (this
process later, or another tfwatch sharing the cache) sees a whole old file or a whole
new one, never a mix. The cache is bounded: past its size cap the files used longest
ago go first (a file's modification time is refreshed each time it is used).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections import defaultdict

from tfwatch.cache.freshness import doubt
from tfwatch.cache.run_codec import FORMAT, CacheUnusable, decode_run, encode_run
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.store.runs import Run

#: Default size cap (``--cache-size``, ``TFWATCH_CACHE_SIZE``), in bytes.
DEFAULT_MAX_BYTES = 2 << 30
_SUFFIX = ".run"
_STALE_TEMP_SECONDS = 3600.0  # a temporary file this old was left by a killed process


def default_directory() -> str:
    """``$XDG_CACHE_HOME/tfwatch``, else ``~/.cache/tfwatch``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tfwatch")


def _key(text: str) -> str:
    # (paths may hold undecodable bytes, kept by Python as surrogates)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


class RunCache:
    """Runs kept between tfwatch processes (see the module docstring).

    Every failure to read or write the cache is silent and costs only a full read: the
    cache is an accelerator, never a source of truth."""

    def __init__(self, directory: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = os.path.join(directory or default_directory(), f"format-{FORMAT}")
        self.max_bytes = max_bytes
        #: What the last restores found: runs used, and runs read again (and why).
        self.used = 0
        self.doubts: list[str] = []

    # ------------------------------------------------------------------ places
    def _root_dir(self, label: str, source: Source, prefixed: bool) -> str:
        root = source.root
        if isinstance(source, LocalSource):
            root = os.path.realpath(root)
        return os.path.join(self.directory, _key(f"{root}\0{label}\0{prefixed}"))

    def _run_file(self, root_dir: str, run: Run) -> str:
        return os.path.join(root_dir, _key(f"{run.path}\0{run.name}") + _SUFFIX)

    # ------------------------------------------------------------------ reading
    def restore(
        self, label: str, source: Source, listed: list[FileInfo], prefixed: bool
    ) -> list[tuple[Run, TagPlugins]]:
        """The cached runs of one root that still describe its files (see
        :mod:`.freshness`); a cached run in any doubt is dropped (read in full)."""
        root_dir = self._root_dir(label, source, prefixed)
        try:
            names = [n for n in os.listdir(root_dir) if n.endswith(_SUFFIX)]
        except OSError:
            return []
        by_path = {info.path: info for info in listed}
        by_dir: dict[str, list[FileInfo]] = defaultdict(list)
        for info in listed:
            by_dir[source.parent(info.path)].append(info)
        out = []
        for name in names:
            path = os.path.join(root_dir, name)
            try:
                with open(path, "rb") as f:
                    run, plugins = decode_run(f.read())
            except (OSError, CacheUnusable) as e:
                self._drop(path, f"{name}: {e}")
                continue
            why = (
                "another root"
                if run.root != label or path != self._run_file(root_dir, run)
                else doubt(run, source, by_path, by_dir.get(run.path, []))
            )
            if why is not None:
                self._drop(path, f"{run.name}: {why}")
                continue
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: the last to be evicted
            out.append((run, plugins))
        self.used += len(out)
        return out

    def _drop(self, path: str, why: str) -> None:
        self.doubts.append(why)
        with contextlib.suppress(OSError):
            os.unlink(path)

    # ------------------------------------------------------------------ writing
    def keep(
        self, label: str, source: Source, prefixed: bool, run: Run, plugins: TagPlugins
    ) -> None:
        """Write ``run`` as read so far, atomically. A run with damage or a record cut
        short is not kept (its next load reads it in full)."""
        root_dir = self._root_dir(label, source, prefixed)
        path = self._run_file(root_dir, run)
        if run.damage or any(f.pending for f in run.files.values()):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        try:
            data = encode_run(run, plugins)
            os.makedirs(root_dir, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=root_dir, prefix=".tmp-", suffix=f"-{os.getpid()}")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except (OSError, ValueError, TypeError):
            return

    def trim(self) -> int:
        """Remove the files used longest ago until the cache is under its cap (and
        temporary files that killed processes left); return the bytes removed."""
        entries: list[tuple[float, int, str]] = []
        now = time.time()
        try:
            roots = os.listdir(self.directory)
        except OSError:
            return 0
        for root in roots:
            try:
                scan = list(os.scandir(os.path.join(self.directory, root)))
            except OSError:
                continue
            for entry in scan:
                try:
                    st = entry.stat()
                except OSError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if now - st.st_mtime > _STALE_TEMP_SECONDS:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                    continue
                entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries):
            if total - removed <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += size
        return removed
