"""Alerts: how they sort and print, and the raise-once tracker (the alert itself is
plain data, in :mod:`tfwatch.model.alerts`)."""

from __future__ import annotations

from collections.abc import Iterable

from tfwatch.model.alert_kinds import ALERT_KINDS

# Alerts are plain data shared by every layer (the UI gets them through live); detectors
# and plug-ins import them from here, the plugin contract's home.
from tfwatch.model.alerts import Alert as Alert
from tfwatch.model.alerts import AlertKey as AlertKey


def kind_order(kind: str) -> int:
    """Sort position of ``kind`` (unknown kinds after the built-in ones)."""
    try:
        return ALERT_KINDS.index(kind)
    except ValueError:
        return len(ALERT_KINDS)


def format_alert(alert: Alert) -> str:
    """One line for terminals and logs: ``run  kind  tag@step  message``."""
    if alert.tag:
        where = f"{alert.tag}@{alert.step:,}" if alert.step >= 0 else alert.tag
    else:
        where = f"step {alert.step:,}" if alert.step >= 0 else "-"
    return f"{alert.run}  {alert.kind}  {where}  {alert.message}"


class AlertTracker:
    """Raises an alert once per (run, kind, tag) until its condition stops holding.

    Feed :meth:`update` the alerts that hold *now* (the full result of a health pass);
    it returns those that are new. A key missing from a pass has cleared, and raises
    again the next time it holds. Passes may cover only some runs: pass ``runs`` so
    that the other runs' alerts are left alone.
    """

    def __init__(self) -> None:
        self._active: dict[AlertKey, Alert] = {}

    def update(self, alerts: Iterable[Alert], runs: Iterable[str] | None = None) -> list[Alert]:
        """Record the current alerts; return the ones raised for the first time."""
        current: dict[AlertKey, Alert] = {}
        for alert in alerts:
            current.setdefault(alert.key, alert)  # the first per key is the one reported
        scope = None if runs is None else set(runs) | {k[0] for k in current}
        for key in list(self._active):
            if key not in current and (scope is None or key[0] in scope):
                del self._active[key]
        new = [a for k, a in current.items() if k not in self._active]
        for key, alert in current.items():
            # Keep the alert as first raised, so its step stays the onset step.
            self._active.setdefault(key, alert)
        return new

    def active(self) -> list[Alert]:
        """Alerts that currently hold, as first raised, the most recently raised first."""
        return list(reversed(self._active.values()))  # dicts keep insertion order

    def clear(self, run: str | None = None) -> None:
        """Forget every alert (or one run's), e.g. when a run disappears."""
        if run is None:
            self._active.clear()
        else:
            for key in [k for k in self._active if k[0] == run]:
                del self._active[key]
