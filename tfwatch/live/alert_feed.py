"""The alert feed: which alerts hold, which are news this pass, in the panel's order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tfwatch.analysis.alerts import Alert, AlertKey, AlertTracker


class AlertFeed:
    """Raise-once bookkeeping for the app: which alerts hold, which are news this pass,
    and the order the panel lists them in (most recently raised first)."""

    def __init__(self) -> None:
        self.tracker = AlertTracker()
        self._pass = 0
        self._raised: dict[AlertKey, int] = {}

    def update(self, alerts: Iterable[Alert]) -> tuple[list[Alert], list[Alert]]:
        """Feed every alert that holds now; returns (active newest first, news). Alerts
        present at the first pass are not news: they were there before tfwatch started."""
        new = self.tracker.update(alerts)
        self._pass += 1
        for alert in new:
            self._raised[alert.key] = self._pass
        active = self.tracker.active()
        self._raised = {a.key: self._raised.get(a.key, 0) for a in active}
        return newest_first(active, self._raised), (new if self._pass > 1 else [])


def newest_first(active: Sequence[Alert], raised: Mapping[AlertKey, int]) -> list[Alert]:
    """``active`` alerts, the most recently raised first (``raised``: the refresh tick
    each key was raised in); alerts raised together come by onset, the latest first."""
    return sorted(active, key=lambda a: (-raised.get(a.key, 0), -a.wall_time, a.run, a.kind, a.tag))
