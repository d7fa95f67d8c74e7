"""The local cache of runs as read, so a restart reads only new bytes.

Where: ``$XDG_CACHE_HOME/tfwatch`` (``~/.cache/tfwatch``), never inside a log root; one
directory per log root. A run is kept as one entry (see :mod:`.run_codec`), in one of
two kinds of file:

- ``<key>.run``, one run: what :meth:`RunCache.keep` writes, in whichever process read
  the run (the app every minute, each worker process of a cold load).
- ``runs.pack``, many runs of the root (see :mod:`.run_pack`): written by a restore that
  found many ``.run`` files, or many unusable entries in the pack. A restart of
  thousands of short runs then opens one file, not thousands. A ``.run`` file is newer
  than the pack's entry of its run (the pack is made of earlier ``.run`` files) and is
  used instead.

Every file is written to a temporary name beside it and moved into place with
``os.replace``, so a reader (this process later, or another tfwatch sharing the cache)
sees a whole old file or a whole new one, never a mix; of two processes repacking at
once, the last to replace the pack wins, whole. A ``.run`` file merged into a pack is
removed only if it is still the file that was read (a newer one stays, and wins next
time). Whichever entry of a run is used, older or newer, it is checked against the event
files (:mod:`.freshness`): an older one costs only more reading, never wrong data.

The cache is bounded: past its size cap the files used longest ago go first (a file's
modification time is refreshed each time it is used; a pack goes whole).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Collection, Iterable

from tfwatch.cache.freshness import doubt
from tfwatch.cache.run_codec import FORMAT, CacheUnusable, decode_run, encode_run
from tfwatch.cache.run_pack import pack_pieces, read_pack
from tfwatch.ingest.allocator import collector_paused
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.store.runs import Run

#: Default size cap (``--cache-size``, ``TFWATCH_CACHE_SIZE``), in bytes.
DEFAULT_MAX_BYTES = 2 << 30
#: A restore repacks a root when it read at least this many ``.run`` files or unusable
#: pack entries (and at least a quarter as many as the pack holds: a pack of thousands
#: is not rewritten for the few runs a session kept since).
REPACK_AT = 32
_SUFFIX = ".run"
_PACK = "runs.pack"
_TEMP = ".tmp-"
_STALE_TEMP_SECONDS = 3600.0  # a temporary file this old was left by a killed process


def default_directory() -> str:
    """``$XDG_CACHE_HOME/tfwatch``, else ``~/.cache/tfwatch``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tfwatch")


def _key(text: str) -> str:
    # (paths may hold undecodable bytes, kept by Python as surrogates)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


def _run_key(run: Run) -> str:
    return _key(f"{run.path}\0{run.name}")


class RunCache:
    """Runs kept between tfwatch processes (see the module docstring).

    Every failure to read or write the cache is silent and costs only a full read: the
    cache is an accelerator, never a source of truth."""

    def __init__(
        self,
        directory: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        repack_at: int | None = None,
    ) -> None:
        self.directory = os.path.join(directory or default_directory(), f"format-{FORMAT}")
        self.max_bytes = max_bytes
        self.repack_at = REPACK_AT if repack_at is None else repack_at
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
        return os.path.join(root_dir, _run_key(run) + _SUFFIX)

    # ------------------------------------------------------------------ reading
    def restore(
        self, label: str, source: Source, listed: list[FileInfo], prefixed: bool
    ) -> list[tuple[Run, TagPlugins]]:
        """The cached runs of one root that still describe its files (see
        :mod:`.freshness`); a cached run in any doubt is dropped (read in full)."""
        root_dir = self._root_dir(label, source, prefixed)
        try:
            names = os.listdir(root_dir)
        except OSError:
            return []
        files = self._read_run_files(root_dir, names)
        packed = self._read_pack(root_dir, files.keys()) if _PACK in names else {}
        by_path = {info.path: info for info in listed}
        by_dir: dict[str, list[FileInfo]] = defaultdict(list)
        for info in listed:
            by_dir[source.parent(info.path)].append(info)
        out: list[tuple[Run, TagPlugins]] = []
        good: list[tuple[str, bytes]] = []  # (key, entry) of the runs used: the next pack
        unusable = 0  # entries of the pack not used
        with collector_paused():  # (every object made here lives on)
            for key, data in [*((k, d) for k, (d, _) in files.items()), *packed.items()]:
                trusted = _trusted(key, data, label, source, by_path, by_dir)
                if not isinstance(trusted, str):
                    out.append(trusted)
                    good.append((key, data))
                    continue
                self.doubts.append(trusted)
                if key in files:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(root_dir, key + _SUFFIX))
                else:
                    unusable += 1
        self.used += len(out)
        changed = len(files) + unusable
        if changed and changed >= max(self.repack_at, len(packed) // 4):
            self._repack(root_dir, good, files)
        else:
            # Used now: the last to be evicted.
            used_files = {key for key, _ in good if key in files}
            self._touch(
                [os.path.join(root_dir, key + _SUFFIX) for key in used_files]
                + ([os.path.join(root_dir, _PACK)] if len(good) > len(used_files) else [])
            )
        return out

    def _read_run_files(
        self, root_dir: str, names: list[str]
    ) -> dict[str, tuple[bytes, os.stat_result]]:
        """The ``.run`` files' bytes, and their identity as read, by key."""
        out = {}
        for name in names:
            if not name.endswith(_SUFFIX):
                continue
            try:
                with open(os.path.join(root_dir, name), "rb") as f:
                    out[name[: -len(_SUFFIX)]] = (f.read(), os.fstat(f.fileno()))
            except OSError:
                continue  # (merged into a pack meanwhile by another process)
        return out

    def _read_pack(self, root_dir: str, skip: Collection[str]) -> dict[str, bytes]:
        """The pack's entries but those of runs that have a ``.run`` file (newer); an
        unusable pack is removed."""
        path = os.path.join(root_dir, _PACK)
        try:
            with open(path, "rb", buffering=0) as f:
                read = os.fstat(f.fileno())
                try:
                    return read_pack(f, skip)
                except CacheUnusable as e:
                    self.doubts.append(f"{_PACK}: {e}")
            _unlink_if_same(path, read)
        except OSError:
            pass
        return {}

    def _repack(
        self,
        root_dir: str,
        good: list[tuple[str, bytes]],
        files: dict[str, tuple[bytes, os.stat_result]],
    ) -> None:
        """Write the entries used as the root's pack, and remove the ``.run`` files it
        holds that no process replaced since they were read."""
        pack = os.path.join(root_dir, _PACK)
        if not good:
            with contextlib.suppress(OSError):
                os.unlink(pack)
            return
        if sum(len(data) for _, data in good) > self.max_bytes:
            return  # (it would be evicted whole: the runs stay in files of their own)
        if not self._write(root_dir, pack, pack_pieces(good)):
            return
        for key, _ in good:
            if key in files:
                _unlink_if_same(os.path.join(root_dir, key + _SUFFIX), files[key][1])

    @staticmethod
    def _touch(paths: Iterable[str]) -> None:
        for path in paths:
            with contextlib.suppress(OSError):
                os.utime(path)

    # ------------------------------------------------------------------ writing
    def keep(
        self, label: str, source: Source, prefixed: bool, run: Run, plugins: TagPlugins
    ) -> None:
        """Write ``run`` as read so far, atomically. A run with damage or a record cut
        short is not kept (its next load reads it in full, or from an older entry)."""
        root_dir = self._root_dir(label, source, prefixed)
        path = self._run_file(root_dir, run)
        if run.damage or any(f.pending for f in run.files.values()):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        try:
            data = encode_run(run, plugins)
        except (ValueError, TypeError):
            return
        self._write(root_dir, path, [data])

    def _write(self, root_dir: str, path: str, pieces: list[bytes]) -> bool:
        """Write ``pieces`` as ``path``, atomically; whether it was written."""
        try:
            os.makedirs(root_dir, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=root_dir, prefix=_TEMP, suffix=f"-{os.getpid()}")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.writelines(pieces)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError:
            return False
        return True

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
                if entry.name.startswith(_TEMP):
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


def _trusted(
    key: str,
    data: bytes,
    label: str,
    source: Source,
    by_path: dict[str, FileInfo],
    by_dir: dict[str, list[FileInfo]],
) -> tuple[Run, TagPlugins] | str:
    """The run and plugins of one entry (kept under ``key``) if they can be trusted;
    else why not."""
    try:
        run, plugins = decode_run(data)
    except CacheUnusable as e:
        return f"{key}: {e}"
    if run.root != label or key != _run_key(run):
        return f"{run.name}: another root"
    why = doubt(run, source, by_path, by_dir.get(run.path, []))
    return (run, plugins) if why is None else f"{run.name}: {why}"


def _unlink_if_same(path: str, read: os.stat_result) -> None:
    """Remove ``path`` unless it was replaced since it was read as ``read`` (by another
    process: what it wrote stays)."""
    with contextlib.suppress(OSError):
        st = os.stat(path)
        if (st.st_ino, st.st_mtime_ns, st.st_size) == (read.st_ino, read.st_mtime_ns, read.st_size):
            os.unlink(path)
