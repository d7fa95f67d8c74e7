"""How every JSON (and CSV) output of tfwatch spells a float."""

from __future__ import annotations

import math
from collections.abc import Mapping


def json_number(value: float) -> float | str:
    """Non-finite floats as the strings JSON readers agree on: ``"NaN"``, ``"Infinity"``,
    ``"-Infinity"`` (Python's ``float()`` reads them back)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def json_values(values: Mapping[str, str | float | bool]) -> dict[str, object]:
    """Hparams (or final metrics) by name, sorted, floats spelled as :func:`json_number`."""
    return {k: json_number(v) if isinstance(v, float) else v for k, v in sorted(values.items())}
