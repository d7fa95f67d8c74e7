"""Messages the app sends to whatever screen is on top."""

from __future__ import annotations

from textual.message import Message


class SnapshotApplied(Message, bubble=False):
    """A new snapshot reached the app: a screen that follows the live data redraws."""
