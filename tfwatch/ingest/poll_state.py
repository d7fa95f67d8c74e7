"""What a poll reports: each root's state, the load's progress, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RootStatus:
    """How a root's last polls went."""

    label: str
    root: str
    state: str = "pending"  # pending / ok / slow / failing / missing (not there yet)
    last_error: str = ""
    last_ok: float = 0.0
    polls: int = 0
    requests: int = 0  # listings + reads sent to a remote root (what a cloud bill counts)


@dataclass(frozen=True)
class LoadProgress:
    """How far the current poll's reads are: runs and bytes, and since when."""

    runs_done: int = 0
    runs_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    started: float = 0.0  # time.monotonic() when the reads began

    @property
    def loading(self) -> bool:
        """Whether bytes are left to read."""
        return self.bytes_done < self.bytes_total


@dataclass
class PollResult:
    """What one poll changed."""

    changed: set[str] = field(default_factory=set)  # run names with new data
    new_runs: list[str] = field(default_factory=list)
    gone_runs: list[str] = field(default_factory=list)
    bytes_read: int = 0
    errors: list[str] = field(default_factory=list)  # every problem, one line each
    unlisted_roots: list[str] = field(default_factory=list)  # roots that could not be listed
    #: What ``summarize`` made of the runs read in worker processes (see :meth:`poll`).
    summaries: dict[str, object] = field(default_factory=dict)
