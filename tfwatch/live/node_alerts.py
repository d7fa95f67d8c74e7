"""Alerts about a run that only its node can tell (docs/health.md says each rule and
what it was measured to raise falsely):

- ``node_down``: the run was live (running or stalled, or of unknown state but writing
  within :data:`RECENT_S`) when its node last answered, and
  the node has been unreachable (SSH) or down (Prometheus ``up`` = 0) for more than
  :attr:`NodeAlertLimits.down_intervals` node polls;
- ``gpu_idle``: the run is live and its own GPUs have stayed under
  :attr:`~NodeAlertLimits.idle_percent` % for :attr:`~NodeAlertLimits.idle_s`
  seconds: an input pipeline that starves them, or a hang. Evaluation and checkpoint
  pauses are shorter than that;
- ``no_progress``: its GPUs have stayed busy (at least
  :attr:`~NodeAlertLimits.busy_percent` %) while no new step came for
  :attr:`~NodeAlertLimits.quiet_cadences` times the run's usual write cadence (and at
  least :attr:`~NodeAlertLimits.quiet_floor_s`): a collective that waits forever spins
  the GPU without a step.

"Its own GPUs" are those of its pod or of its writer's PID (never every GPU of a shared
node); a run whose GPUs are unknown gets no GPU alert. :class:`NodeAlertRules` holds the
rules over plain observations (for tests and replays); :class:`NodeAlerts` applies them
to the live snapshot on the ingest thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tfwatch.analysis.alerts import Alert
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.model.alert_kinds import AlertKind
from tfwatch.model.nodes import NodeReading
from tfwatch.model.run_states import RunState
from tfwatch.text.durations import format_duration

_LIVE = (RunState.RUNNING, RunState.STALLED)
#: Seconds since the last write within which a run of unknown state counts as live.
RECENT_S = 180.0


@dataclass(frozen=True)
class NodeAlertLimits:
    """The rules' thresholds (defaults measured in docs/health.md)."""

    down_intervals: float = 2.0
    idle_percent: float = 5.0
    idle_s: float = 300.0
    busy_percent: float = 50.0
    quiet_cadences: float = 20.0
    quiet_floor_s: float = 300.0


@dataclass(frozen=True)
class RunObservation:
    """What the rules see of one run at one moment."""

    run: str
    state: str
    #: The run's node (None: no node source names it) and whether it answered.
    node: str | None
    node_up: bool
    #: Mean utilisation % of the run's own GPUs (None: unknown).
    gpu_util: float | None
    last_step: int
    #: Usual seconds between the run's points (None: unknown).
    cadence: float | None
    #: Wrote lately: a run whose state is ``unknown`` (a node that lists no processes)
    #: counts as live when it did.
    recent: bool = False

    @property
    def live(self) -> bool:
        """Running or stalled, or of unknown state but writing lately."""
        return self.state in _LIVE or (self.state == RunState.UNKNOWN and self.recent)


class NodeAlertRules:
    """The three rules, fed one observation per run per tick (times in seconds)."""

    def __init__(self, interval: float, limits: NodeAlertLimits | None = None) -> None:
        self.interval = interval
        self.limits = limits or NodeAlertLimits()
        self._down_since: dict[str, float] = {}
        self._was_live: dict[str, bool] = {}
        self._idle_since: dict[str, float] = {}
        self._busy_since: dict[str, float] = {}
        self._step: dict[str, tuple[int, float]] = {}

    def nodes_seen(self, nodes: Sequence[NodeReading], now: float) -> None:
        """Note which nodes are down since when (call once per tick, before the runs)."""
        down = {n.name for n in nodes if not n.up}
        for name in down:
            self._down_since.setdefault(name, now)
        for name in [n for n in self._down_since if n not in down]:
            del self._down_since[name]

    def observe(self, seen: RunObservation, now: float) -> list[tuple[str, str]]:
        """(kind, message) of each rule that holds for the run now."""
        out: list[tuple[str, str]] = []
        limits = self.limits
        name = seen.run
        if seen.node is not None and seen.node_up:
            self._was_live[name] = seen.live
        since = self._down_since.get(seen.node or "") if not seen.node_up else None
        was_live = self._was_live.get(name, False)
        if since is not None and was_live and now - since > limits.down_intervals * self.interval:
            out.append((AlertKind.NODE_DOWN, f"node {seen.node} unreachable for "
                        f"{format_duration(now - since)} while the run was live"))  # fmt: skip
        live = seen.live and seen.node_up
        util = seen.gpu_util if live else None
        self._track(self._idle_since, name, util is not None and util < limits.idle_percent, now)
        self._track(self._busy_since, name, util is not None and util >= limits.busy_percent, now)
        idle = self._idle_since.get(name)
        if idle is not None and now - idle >= limits.idle_s:
            out.append((AlertKind.GPU_IDLE, f"its GPUs under {limits.idle_percent:g} % for "
                        f"{format_duration(now - idle)} (now {util:.0f} %)"))  # fmt: skip
        step, step_at = self._step.get(name, (None, now))
        if step != seen.last_step:
            self._step[name] = (seen.last_step, now)
            step_at = now
        quiet_limit = max(limits.quiet_floor_s, limits.quiet_cadences * (seen.cadence or 0.0))
        busy = self._busy_since.get(name)
        if busy is not None and now - busy > quiet_limit and now - step_at > quiet_limit:
            out.append((AlertKind.NO_PROGRESS, f"its GPUs busy ({util:.0f} %) but no new step "
                        f"for {format_duration(now - step_at)}"))  # fmt: skip
        return out

    @staticmethod
    def _track(since: dict[str, float], name: str, holds: bool, now: float) -> None:
        if holds:
            since.setdefault(name, now)
        else:
            since.pop(name, None)

    def forget(self, keep: set[str]) -> None:
        """Drop what is known of runs not in ``keep``."""
        for table in (self._was_live, self._idle_since, self._busy_since, self._step):
            for name in [n for n in table if n not in keep]:
                del table[name]


class NodeAlerts:
    """The rules over each live snapshot: their alerts join the run's own."""

    def __init__(self, interval: float, limits: NodeAlertLimits | None = None) -> None:
        self.rules = NodeAlertRules(interval, limits)
        # Per run with node alerts: the summary given, the kinds, the summary made; a run
        # whose alerts stay the same keeps its object (the table skips unchanged rows).
        self._made: dict[str, tuple[RunSummary, tuple[str, ...], RunSummary]] = {}

    def apply(self, snapshot: Snapshot, nodes: Sequence[NodeReading], now: float) -> Snapshot:
        """The snapshot with the node alerts added to the runs they hold for."""
        self.rules.nodes_seen(nodes, now)
        up = {n.name: n.up for n in nodes}
        changed: dict[str, RunSummary] = {}
        for name, run in snapshot.runs.items():
            seen = RunObservation(
                name, run.state, run.node, up.get(run.node or "", True), run.gpu_util,
                run.last_step, run.cadence, now - run.activity < RECENT_S,
            )  # fmt: skip
            found = self.rules.observe(seen, now)
            if not found:
                self._made.pop(name, None)
                continue
            kinds = tuple(k for k, _ in found)
            last = self._made.get(name)
            if last is not None and last[0] is run and last[1] == kinds:
                changed[name] = last[2]
                continue
            alerts = tuple(Alert(name, "", run.last_step, now, k, m) for k, m in found)
            changed[name] = replace(
                run,
                alerts=(*run.alerts, *(k for k in kinds if k not in run.alerts)),
                alert_list=(*run.alert_list, *alerts),
            )
            self._made[name] = (run, kinds, changed[name])
        self.rules.forget(set(snapshot.runs))
        for name in [n for n in self._made if n not in snapshot.runs]:
            del self._made[name]
        if not changed:
            return snapshot
        return replace(snapshot, runs={**snapshot.runs, **changed})
