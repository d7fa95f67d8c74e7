"""What the live session hands the views: each pass whole, and a copy of one run."""

from __future__ import annotations

from dataclasses import dataclass

from tfwatch.analysis.alerts import Alert
from tfwatch.live.group_view import Grouping
from tfwatch.live.run_copies import RunDetail
from tfwatch.live.view_models import Snapshot


@dataclass(frozen=True)
class Published:
    """One pass of the ingest thread, as the views read it."""

    snapshot: Snapshot
    #: The roots failing on this poll (one line each).
    errors: tuple[str, ...] = ()
    #: Alerts that hold, the most recently raised first (what the alerts panel lists).
    active_alerts: tuple[Alert, ...] = ()
    #: Alerts raised on this pass and not present at start-up (what rings).
    new_alerts: tuple[Alert, ...] = ()
    #: The runs grouped as :meth:`LiveSession.set_grouping` asked (None: not grouped).
    groups: Grouping | None = None
    #: Published while the first load still reads: the runs read so far (no alerts yet:
    #: those of a half-read run would be judged on part of its data).
    loading: bool = False


@dataclass(frozen=True)
class DetailCopy:
    """A copy of one run for the detail view, with the alerts that hold for it."""

    detail: RunDetail
    #: ``kind tag: message`` lines, from the ingest thread's last health check.
    alerts: tuple[str, ...]
