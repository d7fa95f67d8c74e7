"""File names that are not valid UTF-8 (regression: ``ls --json``, ``export -o`` and
``report -o`` raised ``UnicodeEncodeError`` on them, and ``ls`` wrote the raw bytes)."""

from __future__ import annotations

import os

from tfwatch.ingest.discovery import run_name_for
from tfwatch.text.safe_text import printable, unicode_text

NAME = os.fsdecode(b"run-\xff\xfe-\x1b[1m")  # what os.listdir gives for such a name


def test_undecodable_bytes_show_as_the_byte_they_stand_for() -> None:
    assert unicode_text(NAME) == "run-\\xff\\xfe-\x1b[1m"  # controls are kept for JSON
    assert printable(NAME) == "run-\\xff\\xfe-\\x1b[1m"  # and escaped for terminals
    for text in (unicode_text(NAME), printable(NAME)):
        text.encode("utf-8")  # writable anywhere


def test_run_names_are_always_valid_unicode() -> None:
    assert run_name_for("logs", NAME, prefixed=True) == "logs/run-\\xff\\xfe-\x1b[1m"
    assert run_name_for("logs", "plain ä", prefixed=False) == "plain ä"
