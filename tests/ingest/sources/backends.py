"""What the remote-root tests get from the servers the fixtures start (``conftest.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Backend:
    """One running server and how to reach it."""

    name: str
    url: Callable[[str], str]  # prefix → root URL
    publish: Callable[[Path, str], None]  # local tree → remote prefix (whole files)
    stop: Callable[[], None]
    start: Callable[[], None]  # back up, with the data it held (republished if lost)
    options: dict[str, Any] = field(default_factory=dict)
    lost_on_restart: bool = False

    def cli_options(self) -> list[str]:
        """The options as ``--storage-option KEY=VALUE`` arguments."""
        out: list[str] = []
        for key, value in self.options.items():
            text = value if isinstance(value, str) else json.dumps(value)
            out += ["--storage-option", f"{key}={text}"]
        return out


@dataclass
class SSHKeys:
    """Throw-away keys for the SSH server and its one user."""

    directory: Path
    client_key: Path
    known_hosts: Path
    port: int
