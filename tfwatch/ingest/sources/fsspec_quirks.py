"""What differs between fsspec backends, in one place: field names, error shapes, options.

Each function here exists because a backend did something surprising; the docstrings
say what.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tfwatch.ingest.sources.errors import SourceError


def modified_time(info: Mapping[str, Any]) -> float:
    """Modification time from whichever field the backend fills in."""
    for key in ("mtime", "LastModified", "updated", "modificationTime", "last_modified"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value) / (1000.0 if key == "modificationTime" else 1.0)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return 0.0


def object_version(info: Mapping[str, Any]) -> str | None:
    """What names this version of an object, where the store gives it (S3's ETag and
    version id, GCS's generation, Azure's etag): it changes whenever the object is
    replaced, so an unchanged one means unchanged bytes. None where there is none."""
    parts = [
        f"{key}={info[key]}"
        for key in ("ETag", "etag", "VersionId", "version_id", "generation")
        if info.get(key) not in (None, "")
    ]
    return ";".join(parts) or None


def walk_errors_raise(fs: Any) -> dict[str, str]:
    """``on_error="raise"`` where ``find`` walks the tree with fsspec's generic ``walk``,
    which otherwise turns a dead server into an empty tree (all runs "gone"). Backends
    with their own ``find`` (s3fs, gcsfs) raise anyway and reject the argument."""
    from fsspec import AbstractFileSystem
    from fsspec.asyn import AsyncFileSystem

    cls = type(fs)
    if isinstance(fs, AsyncFileSystem):
        generic = cls._find is AsyncFileSystem._find
    else:
        generic = cls.find is AbstractFileSystem.find
    return {"on_error": "raise"} if generic else {}


def range_not_satisfiable(error: BaseException) -> bool:
    """HTTP 416: the range starts at or past the end of the object."""
    text = f"{type(error).__name__} {error}".lower()
    return re.search(r"\b416\b|invalidrange|range[\w ]* not satisfiable", text) is not None


def check_google_credentials(root: str, token: Any) -> None:
    """A credentials file that is missing or not JSON fails here, with its name: gcsfs
    would take a missing path for an access token, and a broken file for a KeyError."""
    source = "token"
    if token is None and os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        token, source = (
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"],
            "GOOGLE_APPLICATION_CREDENTIALS",
        )
    if not isinstance(token, str) or token in ("anon", "google_default", "cache", "cloud"):
        return
    if not (token.endswith(".json") or os.sep in token):
        return  # an access token itself: never echo it
    try:
        with open(os.path.expanduser(token), encoding="utf-8") as f:
            info = json.load(f)
    except OSError as e:
        raise SourceError(f"{root}: credentials file {token} ({source}): {e.strerror}") from None
    except ValueError:
        raise SourceError(f"{root}: credentials file {token} ({source}) is not JSON") from None
    if not isinstance(info, dict) or "type" not in info:
        raise SourceError(
            f"{root}: credentials file {token} ({source}) is not a Google credentials file"
        )
