"""The health checks as the snapshot builder calls them, one run at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.health import run_health
from tfwatch.store.runs import Run

#: Full alerts of a run given the clock and its system state (None when not known).
HealthSource = Callable[[Run, float, "str | None"], Sequence[Alert]]


def health_alerts(config: object | None = None) -> HealthSource:
    """A :data:`HealthSource` running every detector with ``config`` (None: defaults)."""
    cfg = config if isinstance(config, HealthConfig) else None

    def check(run: Run, now: float, state: str | None) -> list[Alert]:
        return run_health(run, cfg, now, state)

    return check
