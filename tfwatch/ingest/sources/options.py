"""``--storage-option KEY=VALUE``: fsspec options given on the command line.

``KEY=VALUE`` goes to every remote root; ``PROTOCOL.KEY=VALUE`` (``s3.endpoint_url=…``,
``gs.token=anon``, ``ssh.known_hosts=…``) only to roots of that protocol, so one command
can mix backends. Values are read as JSON when they parse (``true``, ``3``,
``{"region_name": "eu-west-1"}``) and kept as text otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tfwatch.ingest.sources.errors import SourceError

_ALIASES = {"gcs": "gs", "gs": "gcs", "sftp": "ssh", "ssh": "sftp", "s3a": "s3", "s3": "s3a"}


def parse_storage_options(pairs: Iterable[str] | None) -> dict[str, Any]:
    """``["KEY=VALUE", …]`` → options; a malformed pair raises :class:`SourceError`."""
    options: dict[str, Any] = {}
    for pair in pairs or ():
        key, eq, text = pair.partition("=")
        if not eq or not key.strip():
            # Show only the key: the value may be a secret.
            raise SourceError(f"--storage-option {key!r}: expected KEY=VALUE")
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        options[key.strip()] = value
    return options


def options_for(options: Mapping[str, Any] | None, protocol: str) -> dict[str, Any]:
    """The options for ``protocol``: plain ``KEY`` ones plus ``PROTOCOL.KEY`` ones."""
    chosen: dict[str, Any] = {}
    scopes = {protocol, _ALIASES.get(protocol, protocol)}
    for key, value in (options or {}).items():
        scope, dot, name = key.partition(".")
        if not dot:
            chosen[key] = value
        elif scope in scopes:
            chosen[name] = value
    return chosen
