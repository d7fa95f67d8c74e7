"""How the polls of one log root went: what the header and the empty-table note show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RootStatus:
    """How a root's last polls went."""

    label: str
    root: str
    state: str = "pending"  # pending / ok / slow / failing / missing (not there yet)
    last_error: str = ""
    last_ok: float = 0.0
    requests: int = 0  # listings + reads sent to a remote root (what a cloud bill counts)
