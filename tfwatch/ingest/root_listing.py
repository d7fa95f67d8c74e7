"""Listing every root of a poll: several at once, so a slow or failing one (remote roots
bound each call with a deadline) does not hold up the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.errors import RootNotFound, SourceError


@dataclass(frozen=True)
class Listing:
    """One root's event files, or why there are none: ``missing`` when the root itself
    is not there (yet)."""

    files: list[FileInfo] | None
    error: str = ""
    missing: bool = False


def list_roots(sources: Sequence[Source]) -> list[Listing]:
    """Each source's listing, in the order given."""

    def list_one(source: Source) -> Listing:
        try:
            return Listing(source.list_event_files())
        except (SourceError, OSError) as e:
            message = str(e) if isinstance(e, SourceError) else f"{source.root}: {e}"
            return Listing(None, message, isinstance(e, RootNotFound))

    if len(sources) < 2:
        return [list_one(source) for source in sources]
    from concurrent.futures import ThreadPoolExecutor  # (a one-root ls never needs it)

    with ThreadPoolExecutor(len(sources), thread_name_prefix="tfwatch-list") as pool:
        return list(pool.map(list_one, sources))
