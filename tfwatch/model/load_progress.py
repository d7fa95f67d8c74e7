"""How far a load's reads are: what the header's progress line and the stderr bar show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadProgress:
    """How far the current poll's reads are: runs and bytes, and since when."""

    runs_done: int = 0
    runs_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    started: float = 0.0  # time.monotonic() when the reads began

    @property
    def loading(self) -> bool:
        """Whether bytes are left to read."""
        return self.bytes_done < self.bytes_total
