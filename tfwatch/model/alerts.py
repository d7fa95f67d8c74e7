"""One health finding about one run: what detectors raise and every view shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: What an alert is raised once per: (run, kind, tag).
AlertKey = tuple[str, str, str]


@dataclass(frozen=True)
class Alert:
    """One health finding about one run (and usually one tag)."""

    #: Run name as the store names it.
    run: str
    #: Tag the finding is about; "" for run-level findings (stalled, two writers…).
    tag: str
    #: Step where the condition started (-1 when it has no step).
    step: int
    #: Wall time (seconds since the epoch) of that step, or of the observation.
    wall_time: float
    #: An :class:`~tfwatch.model.alert_kinds.AlertKind`, or a plugin's own kind.
    kind: str
    #: One line for a person: what is wrong, with numbers.
    message: str

    @property
    def key(self) -> AlertKey:
        """(run, kind, tag): an alert is raised once per key until it clears, so a NaN
        in ``val/loss`` is its own alert beside one in ``train/loss``."""
        return (self.run, self.kind, self.tag)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self)
