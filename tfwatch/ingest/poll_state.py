"""What a poll reports: what changed, what was read, what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PollResult:
    """What one poll changed."""

    changed: set[str] = field(default_factory=set)  # run names with new data
    new_runs: list[str] = field(default_factory=list)
    gone_runs: list[str] = field(default_factory=list)
    bytes_read: int = 0
    #: Roots whose listing was matched against the runs (0: every listing was the one
    #: matched before, so no run was touched by this poll unless it read data).
    listings_matched: int = 0
    errors: list[str] = field(default_factory=list)  # every problem, one line each
    unlisted_roots: list[str] = field(default_factory=list)  # roots that could not be listed
    #: What ``summarize`` made of the runs read in worker processes (see :meth:`poll`).
    summaries: dict[str, object] = field(default_factory=dict)
