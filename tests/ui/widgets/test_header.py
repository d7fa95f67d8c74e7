"""The header says when a root is slow or failing, since when, and what it costs."""

from __future__ import annotations

from tfwatch.model.root_status import RootStatus
from tfwatch.ui.widgets.header import header_text, root_note


def test_failing_root_shows_its_error_and_last_success() -> None:
    root = RootStatus("s3", "s3://bucket/logs", state="failing", last_error="timed out\x1b[2J")
    root.last_ok, root.requests = 1000.0, 42
    note = root_note(root, now=1000.0 + 180)
    assert note == "failing: timed out\\x1b[2J; last ok 3m ago; 42 req"
    text = header_text(None, [root], 0, "name ↑", 1.0, 0).plain
    assert "s3://bucket/logs (failing: timed out" in text and "\x1b" not in text


def test_slow_root_never_answered_and_healthy_root() -> None:
    slow = RootStatus("a", "/a", state="slow")
    assert root_note(slow, now=5.0) == "slow; never ok"
    assert root_note(RootStatus("b", "/b", state="ok"), now=5.0) == ""
