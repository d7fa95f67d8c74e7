"""A run's state from its linkage, its progress and (in the live app) what we saw before.

Pure functions of plain data: ``tfwatch ls --json`` calls :func:`classify_run` once with
no history; the live app calls it through :class:`~tfwatch.system.state_tracker.RunStateTracker`,
which adds the last sighting of a writer that has since vanished.

Definitions (``W`` = the run's last write: the newest of its files' modification time
and its last event's wall time; ``T`` = the stall threshold, ``max(stall_floor_s,
stall_factor × cadence)``, where the cadence is the run's usual interval between writes
and the floor covers writers that flush only every 120 s by default):

``running``
    A live process on this host is linked to the run and ``now − W ≤ T``.
``stalled``
    A live linked process, but nothing written for longer than ``T``.
``crashed``
    The writer is known to be gone — we saw it linked and it vanished, or the newest event
    file names a PID on this host that has ended — and it did not end cleanly, meaning
    the first of these that is known:

    1. tfwatch stopped it (``K`` in the app: SIGTERM or SIGKILL);
    2. how it ended: a scan caught it dead but not yet reaped (a zombie, Linux), with a
       non-zero exit status or a signal — or, caught so with status 0, it is finished;
    3. it has a recorded end (hparams such as ``max_steps``/``total_steps``/``steps``, or
       ``epochs``/``num_epochs`` with the epochs it logged) and fell short of it;
    4. (live history only) it died without a final write: nothing was written after
       ``A − exit_grace_s``, where ``A`` is the last scan that saw it alive, while the run
       was still ``running`` at ``A`` (``A − W ≤ T``). Writers flush what they hold when
       they are closed (tensorboardX even at interpreter exit), so a clean end shows as a
       write right before the process goes; a SIGKILL, the OOM killer or a segfault
       leave the file as of the previous flush.

    Also crashed: a run with no process in sight, quiet for longer than ``T``, that fell
    short of its recorded end (rule 3).

    Limits, stated plainly: the exit status of a process tfwatch did not start is known
    only when a scan catches it unreaped, which is rare (its parent usually reaps it at
    once); so a writer that flushed and then exited with status 1 reads as finished
    unless it had a recorded end. A process that ran silently for more than
    ``exit_grace_s`` after its last write and then exited cleanly reads as crashed; and
    with no history (``ls``) only rule 3 applies.
``finished``
    No live process and the writer is known to be gone without crashing, or no process is
    visible and the run has been quiet for longer than ``T``.
``unknown``
    The run is remote (written on another host), or no process is visible on this host
    although the run wrote recently (another user's or another container's process). The
    state then rests on write recency alone, exposed as ``recent`` and ``idle_s``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tfwatch.model.run_states import DEFAULT_THRESHOLDS, RunState, StateThresholds
from tfwatch.system.linkage import LinkMethod, RunLink
from tfwatch.text.durations import format_duration

#: hparams that, by common convention, record how many steps a run is meant to take.
END_STEP_HPARAMS = (
    "max_steps",
    "total_steps",
    "num_steps",
    "train_steps",
    "num_train_steps",
    "training_steps",
    "max_iters",
    "max_iterations",
    "num_iterations",
    "total_iters",
    "steps",
)
#: hparams that record how many epochs a run is meant to take.
END_EPOCH_HPARAMS = (
    "epochs",
    "num_epochs",
    "max_epochs",
    "n_epochs",
    "total_epochs",
    "train_epochs",
    "num_train_epochs",
)


@dataclass(frozen=True)
class RunProgress:
    """What the store knows of a run's progress, as plain data."""

    #: Highest step logged (-1 when none).
    last_step: int = -1
    #: Usual step increment between logged points (1 when unknown).
    step_stride: int = 1
    #: Step the run is meant to reach, when recorded (see :func:`recorded_end_step`).
    end_step: int | None = None
    #: Newest event wall time (0.0 when none).
    last_event_time: float = 0.0
    #: Usual seconds between writes (None when unknown).
    cadence: float | None = None
    #: Epochs the run is meant to take, when recorded (see :func:`recorded_end_epoch`).
    end_epoch: int | None = None
    #: Highest epoch logged, counted from 0 (None when the run logs no epochs).
    last_epoch: int | None = None

    def short_of_end(self) -> bool:
        """Whether a recorded end exists and the run falls short of it."""
        end_epoch, last_epoch = self.end_epoch, self.last_epoch
        if end_epoch is not None and last_epoch is not None and last_epoch + 1 < end_epoch:
            return True
        if self.end_step is None:
            return False
        return self.last_step + max(1, self.step_stride) < self.end_step

    def where(self) -> str:
        """How far the run got against its recorded end, in words."""
        if self.end_epoch is not None and self.last_epoch is not None:
            return f"epoch {self.last_epoch + 1:,} of {self.end_epoch:,}"
        if self.end_step is not None:
            return f"step {self.last_step:,} of {self.end_step:,}"
        return f"step {self.last_step:,}"


@dataclass(frozen=True)
class Sighting:
    """The live app's memory of a run's writer, from the last scan that saw it alive."""

    pid: int
    create_time: float
    #: When that scan ran.
    seen_at: float
    #: The signal tfwatch sent it (``K``), if it did.
    stopped_by: str | None = None
    #: Its wait status (as ``waitpid`` reports it), when a scan caught it ended but not
    #: yet reaped.
    exit_status: int | None = None


@dataclass(frozen=True)
class RunStatus:
    """A run's state and the evidence behind it."""

    state: RunState
    #: The live writer, or for ``crashed``/``finished`` the writer that ended, if known.
    pid: int | None
    create_time: float | None
    method: LinkMethod | None
    remote: bool
    #: Seconds since the last write (None when the run never wrote).
    idle_s: float | None
    #: Wrote within the stall threshold: the recency hint for ``unknown`` runs.
    recent: bool
    #: One line saying why, for the UI.
    reason: str

    @property
    def alive(self) -> bool:
        """Whether a live process is linked to the run."""
        return self.state in (RunState.RUNNING, RunState.STALLED)

    def as_json(self) -> dict[str, object]:
        """The fields ``tfwatch ls --json`` adds to a run: ``state`` always; ``pid`` (and
        ``link``) only while a live process is linked, ``ended_pid`` for a writer known
        to have ended; the recency hint; and the reason in words."""
        out: dict[str, object] = {"state": self.state}
        if self.alive:
            out["pid"] = self.pid
            out["link"] = self.method
        elif self.pid is not None:
            out["ended_pid"] = self.pid
        out["remote"] = self.remote
        out["recent"] = self.recent
        out["idle_s"] = None if self.idle_s is None else round(self.idle_s, 1)
        out["state_reason"] = self.reason
        return out


def _first_count(hparams: Mapping[str, object], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = hparams.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return int(value)
    return None


def recorded_end_step(hparams: Mapping[str, object]) -> int | None:
    """The step count a run's hparams say it will reach (first conventional key found)."""
    return _first_count(hparams, END_STEP_HPARAMS)


def recorded_end_epoch(hparams: Mapping[str, object]) -> int | None:
    """The epoch count a run's hparams say it will reach (first conventional key found)."""
    return _first_count(hparams, END_EPOCH_HPARAMS)


def describe_exit(status: int) -> str:
    """A wait status in words: ``exited with status 1``, ``killed by SIGKILL``."""
    import signal

    if status & 0x7F:
        number = status & 0x7F
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    return f"exited with status {(status >> 8) & 0xFF}"


def classify_run(
    link: RunLink,
    progress: RunProgress,
    now: float,
    vanished: Sighting | None = None,
    thresholds: StateThresholds = DEFAULT_THRESHOLDS,
) -> RunStatus:
    """The state of one run (see the module docstring for the exact rules)."""
    last_write = max(link.last_write, progress.last_event_time)
    idle = now - last_write if last_write > 0 else None
    limit = thresholds.stall_threshold(progress.cadence)
    recent = idle is not None and idle <= limit

    def state(s: RunState, pid: int | None, reason: str, ctime: float | None = None) -> RunStatus:
        return RunStatus(s, pid, ctime, link.method, link.remote, idle, recent, reason)

    quiet = f"last write {format_duration(idle)} ago" if idle is not None else "nothing written yet"
    if link.remote:
        where = ", ".join(link.hosts)
        return state(RunState.UNKNOWN, None, f"written on {where} (another host); {quiet}")
    if link.pid is not None:
        if idle is None or recent:
            return state(
                RunState.RUNNING,
                link.pid,
                f"process {link.pid} writing ({link.method})",
                link.create_time,
            )
        usual = f", usually every {format_duration(progress.cadence)}" if progress.cadence else ""
        return state(
            RunState.STALLED,
            link.pid,
            f"process {link.pid} alive; {quiet}{usual}",
            link.create_time,
        )

    gone_pid = vanished.pid if vanished is not None else link.ended_pid
    if gone_pid is not None:
        ctime = vanished.create_time if vanished is not None else None
        status = vanished.exit_status if vanished is not None else None
        if vanished is not None and vanished.stopped_by:
            why = f"process {gone_pid} stopped by tfwatch ({vanished.stopped_by})"
            return state(RunState.CRASHED, gone_pid, f"{why} at {progress.where()}", ctime)
        if status:
            why = f"process {gone_pid} {describe_exit(status)} at {progress.where()}"
            return state(RunState.CRASHED, gone_pid, why, ctime)
        if status == 0:
            why = f"process {gone_pid} exited with status 0 at {progress.where()}; {quiet}"
            return state(RunState.FINISHED, gone_pid, why, ctime)
        if progress.short_of_end():
            why = f"process {gone_pid} ended at {progress.where()}"
            return state(RunState.CRASHED, gone_pid, why, ctime)
        if vanished is not None and last_write > 0:
            silent_at_sighting = vanished.seen_at - last_write
            if thresholds.exit_grace_s < silent_at_sighting <= limit:
                why = f"process {gone_pid} vanished without a final write ({quiet})"
                return state(RunState.CRASHED, gone_pid, why, ctime)
        return state(RunState.FINISHED, gone_pid, f"process {gone_pid} ended; {quiet}", ctime)
    if recent:
        return state(RunState.UNKNOWN, None, f"no writer process visible on this host; {quiet}")
    if progress.short_of_end():
        why = f"stopped at {progress.where()}, short of its recorded end; no process; {quiet}"
        return state(RunState.CRASHED, None, why)
    return state(RunState.FINISHED, None, f"no process; {quiet}")
