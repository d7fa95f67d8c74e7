"""Damage: bytes of an event file that could not be read as records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Damage:
    """Bytes of an event file that could not be read as records."""

    file: str
    offset: int
    kind: str  # "length_crc", "payload_crc", "bad_length", "truncated", "bad_event"
    skipped_bytes: int

    def to_dict(self) -> dict[str, str | int]:
        """The fields as JSON-ready data (the file name as stored: callers that print it
        make it safe for their output)."""
        return {
            "file": self.file,
            "offset": self.offset,
            "kind": self.kind,
            "skipped_bytes": self.skipped_bytes,
        }
