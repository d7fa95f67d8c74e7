"""``parse_duration``: what ``check --since`` accepts."""

from __future__ import annotations

import pytest

from tfwatch.text.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1d12h", 129600.0),
     ("1w", 604800.0), ("1.5h", 5400.0), (" 10M ", 600.0)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "h", "2x", "2h30", "-5m", "soon", "1h 2m"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None
