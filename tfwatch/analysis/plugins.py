"""Third-party detectors from the ``tfwatch.detectors`` entry-point group.

A plugin is any callable ``(run, config, now) -> Iterable[Alert]`` registered as::

    [project.entry-points."tfwatch.detectors"]
    loss_spike = "my_package.detectors:loss_spike"

It gets the run (see :mod:`tfwatch.analysis.protocols`), the :class:`HealthConfig` (its
own settings are in ``config.plugins["loss_spike"]``, the ``[plugins.loss_spike]`` table)
and the current time. A plugin that cannot be imported, raises, or returns something
other than alerts yields one ``detector_error`` alert naming it; it never stops the
others or the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from tfwatch.analysis.alerts import Alert
from tfwatch.analysis.config import HealthConfig
from tfwatch.analysis.protocols import RunLike
from tfwatch.model.alert_kinds import AlertKind

GROUP = "tfwatch.detectors"

PluginFunc = Callable[[RunLike, HealthConfig, float], Iterable[Alert]]


@dataclass(frozen=True)
class Plugin:
    """A loaded (or failed) plugin detector."""

    name: str
    #: Where it comes from (``module:attr``).
    target: str
    func: PluginFunc | None
    #: Why it could not be loaded ("" when it loaded).
    error: str = ""


def discover_plugins(group: str = GROUP) -> list[Plugin]:
    """Load every entry point in ``group``; a broken one becomes a Plugin with ``error``."""
    return [_load(ep) for ep in sorted(entry_points(group=group), key=lambda e: e.name)]


def _load(ep: EntryPoint) -> Plugin:
    try:
        func: Any = ep.load()
    except Exception as exc:  # a plugin's import may fail in any way
        return Plugin(ep.name, ep.value, None, f"cannot be loaded: {_describe(exc)}")
    if not callable(func):
        return Plugin(ep.name, ep.value, None, f"{ep.value} is not callable")
    return Plugin(ep.name, ep.value, func)


def run_plugin(plugin: Plugin, run: RunLike, config: HealthConfig, now: float) -> list[Alert]:
    """The plugin's alerts for ``run``, or one ``detector_error`` alert if it fails."""
    if plugin.func is None:
        return [plugin_error(plugin.name, run, now, plugin.error)]
    try:
        result = list(plugin.func(run, config, now))
    except Exception as exc:  # the contract is "never crash the host"
        return [plugin_error(plugin.name, run, now, f"raised {_describe(exc)}")]
    bad = [r for r in result if not isinstance(r, Alert)]
    if bad:
        return [plugin_error(plugin.name, run, now, f"returned {type(bad[0]).__name__}, not Alert")]
    return result


def plugin_error(name: str, run: RunLike, now: float, why: str) -> Alert:
    """The notice that stands in for a failing detector."""
    return Alert(run.name, "", -1, now, AlertKind.DETECTOR_ERROR, f"detector {name!r} {why}")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
