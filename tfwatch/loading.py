"""Open the roots named on the command line and read them once (or keep tailing)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from tfwatch.errors import UsageError
from tfwatch.ingest.allocator import reuse_freed_memory
from tfwatch.ingest.discovery import parse_roots
from tfwatch.ingest.sources.base import Source
from tfwatch.ingest.sources.errors import RootNotFound, SourceError
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import PollResult, Tailer
from tfwatch.store.runs import Run, RunFactory
from tfwatch.text.safe_text import printable

T = TypeVar("T")


def open_source(
    path: str, storage_options: Mapping[str, Any] | None = None, must_exist: bool = True
) -> Source:
    """The source for one root: local paths directly; URLs and SSH ``host:path`` through
    fsspec, with ``storage_options`` (``--storage-option``) passed on. A local root that
    does not exist raises :class:`RootNotFound` unless ``must_exist`` is false."""
    url = "://" in path and not path.startswith("file://")
    if url or (":" in path and _ssh_target(path)):
        from tfwatch.ingest.sources.remote import open_remote

        remote: Source = open_remote(path, storage_options)
        return remote
    local = LocalSource(path.removeprefix("file://"))
    try:
        local.check()
    except RootNotFound:
        if must_exist:
            raise
    return local


def _ssh_target(path: str) -> bool:
    from tfwatch.ingest.sources.ssh import parse_ssh_target

    return parse_ssh_target(path) is not None


def make_tailer(
    roots: Sequence[str],
    retain_all: bool = False,
    run_pattern: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    wait_for_missing: bool = False,
) -> Tailer[Run]:
    """A tailer over ``roots``; raises :class:`SourceError` for a root that cannot work.

    ``wait_for_missing`` (the app): local roots that do not exist yet are polled until
    they appear, as long as one root does exist; with none there is nothing to watch,
    and the first one's error is raised."""
    specs = parse_roots(roots)
    sources = [
        (spec.label, open_source(spec.path, storage_options, must_exist=not wait_for_missing))
        for spec in specs
    ]
    if wait_for_missing and sources:
        missing = [src for _, src in sources if isinstance(src, LocalSource) and not src.exists()]
        if len(missing) == len(sources):
            missing[0].check()
    run_filter: Callable[[str], bool] | None = None
    if run_pattern:
        try:
            compiled = re.compile(run_pattern)
        except re.error as e:
            raise UsageError(f"--run {run_pattern!r}: {e}") from e
        run_filter = lambda name: compiled.search(name) is not None  # noqa: E731
    return Tailer(sources, RunFactory(retain_all), run_filter=run_filter)


def load_once(
    roots: Sequence[str],
    retain_all: bool = False,
    run_pattern: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Tailer[Run]:
    """Read every root completely, once; raise :class:`SourceError` when a root fails
    or when no run at all was found. ``meanwhile`` runs during the load (see
    :meth:`Tailer.poll`)."""
    tailer = make_tailer(
        roots, retain_all=retain_all, run_pattern=run_pattern, storage_options=storage_options
    )
    _read_all(tailer, roots, run_pattern, meanwhile)
    return tailer


def summarize_once(
    roots: Sequence[str],
    summarize: Callable[[Run], T],
    storage_options: Mapping[str, Any] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[T]:
    """``summarize(run)`` of every run of the roots, read once, in name order: as
    :func:`load_once`, but runs read in worker processes are summarized there (see
    :meth:`Tailer.poll`)."""
    tailer = make_tailer(roots, storage_options=storage_options)
    result = _read_all(tailer, roots, None, meanwhile, summarize)
    summaries = cast(dict[str, T], result.summaries)
    return [
        summaries[name] if name in summaries else summarize(run)
        for name, run in sorted(tailer.runs.items())
    ]


def _read_all(
    tailer: Tailer[Run],
    roots: Sequence[str],
    run_pattern: str | None,
    meanwhile: Callable[[], object] | None,
    summarize: Callable[[Run], object] | None = None,
) -> PollResult:
    reuse_freed_memory()  # one bulk read, then the process ends
    result = tailer.poll(final=True, meanwhile=meanwhile, summarize=summarize)
    if result.unlisted_roots:
        raise SourceError(result.unlisted_roots[0])
    # A root that was listed but holds unreadable directories or files: report what
    # could not be read and go on with the rest (no run silently dropped, none lost).
    for message in result.errors:
        print(f"tfwatch: warning: {printable(message)}", file=sys.stderr)
    if not tailer.runs and run_pattern is None:
        where = ", ".join(roots)
        raise SourceError(f"{where}: no runs found (no file named *tfevents* below it)")
    return result
