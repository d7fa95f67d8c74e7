"""How every JSON (and CSV) output of tfwatch spells a float."""

from __future__ import annotations

import math


def json_number(value: float) -> float | str:
    """Non-finite floats as the strings JSON readers agree on: ``"NaN"``, ``"Infinity"``,
    ``"-Infinity"`` (Python's ``float()`` reads them back)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value
