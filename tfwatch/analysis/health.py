"""One health pass over one run: every built-in detector, then the plugins.

This is what ``tfwatch check`` and the app call; the result is the list of conditions
that hold *now*, which :class:`~tfwatch.analysis.alerts.AlertTracker` turns into
raise-once notifications.
"""

from __future__ import annotations

from collections.abc import Sequence

from tfwatch.analysis.alerts import Alert, kind_order
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.detectors import BUILTIN_DETECTORS, detect_liveness
from tfwatch.analysis.diagnosis import root_causes_only
from tfwatch.analysis.plugins import Plugin, discover_plugins, plugin_error, run_plugin
from tfwatch.analysis.protocols import RunLike
from tfwatch.model.alert_kinds import AlertKind

_DEFAULT = HealthConfig()


def run_health(
    run: RunLike,
    config: HealthConfig | None,
    now: float,
    state: str | None = None,
    plugins: Sequence[Plugin] | None = None,
) -> list[Alert]:
    """All alerts that hold for ``run`` at time ``now`` (seconds since the epoch).

    ``config`` None means the defaults. ``state`` is the run state from the system
    monitor when known (``running``, ``stalled``, ``finished``, ``crashed``,
    ``unknown``). ``plugins`` defaults to the installed ``tfwatch.detectors`` entry
    points (pass ``[]`` to run the built-in detectors only).
    Trend alerts explained by a NaN or by weights that all stopped changing are dropped
    (:mod:`~tfwatch.analysis.diagnosis`). Alerts come sorted by kind, then tag. A
    detector that raises becomes one ``detector_error`` alert instead of an exception.
    Call it under the tailer's lock: it reads the run's series.
    """
    cfg = config or _DEFAULT
    alerts: list[Alert] = []
    for name, detector in BUILTIN_DETECTORS.items():
        try:
            alerts.extend(detector(run, cfg, now))
        except Exception as exc:  # one odd series must not hide every other alert
            alerts.append(plugin_error(name, run, now, f"failed: {type(exc).__name__}: {exc}"))
    try:
        alerts.extend(detect_liveness(run, cfg, now, state))
    except Exception as exc:
        alerts.append(plugin_error("stalled", run, now, f"failed: {type(exc).__name__}: {exc}"))
    alerts = root_causes_only(alerts, len(run.histograms))
    for plugin in default_plugins() if plugins is None else plugins:
        alerts.extend(run_plugin(plugin, run, cfg, now))
    return sorted(
        alerts, key=lambda a: (a.kind == AlertKind.DETECTOR_ERROR, kind_order(a.kind), a.tag)
    )


_PLUGINS: list[Plugin] | None = None


def default_plugins() -> list[Plugin]:
    """The installed plugins, discovered once per process."""
    global _PLUGINS
    if _PLUGINS is None:
        _PLUGINS = discover_plugins()
    return _PLUGINS
