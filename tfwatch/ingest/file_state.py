"""Where the reading of one event file stands: offset, pending tail, history."""

from __future__ import annotations

from dataclasses import dataclass

from tfwatch.model.event_file_names import parse_event_file_name


@dataclass
class EventFileState:
    """Reading position and history of one event file."""

    path: str
    name: str
    size: int = 0
    offset: int = 0  # end of the last complete record handled
    records: int = 0
    first_seen: float = 0.0  # local clock, when discovered
    last_growth: float = 0.0  # local clock, when new bytes last arrived
    pending: int = 0  # bytes of a record cut short at the end
    mtime: float = 0.0  # modification time as last listed (0: the source has none)
    gone: bool = False
    identity: tuple[int, int] | None = None  # (device, inode) where the source has them
    pid: int | None = None
    host: str | None = None
    #: An add_hparams session's file folded into its run (see
    #: :mod:`tfwatch.ingest.hparams_sessions`): its scalars are final metrics.
    hparams_session: bool = False

    def __post_init__(self) -> None:
        parsed = parse_event_file_name(self.name)
        self.host, self.pid = parsed.host, parsed.pid
