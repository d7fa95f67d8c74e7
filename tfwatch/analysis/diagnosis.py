"""One diagnosis per cause: drop the alerts that a root cause already explains.

Once a run's values went NaN or every weight histogram stopped changing, its metrics
are meaningless or stuck *because of that*: an accuracy falling to chance after a NaN is
not a second failure, a loss flat because no weight moves is not a plateau to tune. The
trend alerts those causes produce are dropped, so the person reads the cause, not its
symptoms.
"""

from __future__ import annotations

from collections.abc import Sequence

from tfwatch.analysis.alerts import Alert
from tfwatch.model.alert_kinds import AlertKind

#: Alerts about a metric's trend: the symptoms a root cause explains.
TREND_KINDS = frozenset(
    {AlertKind.DIVERGING, AlertKind.PLATEAU, AlertKind.CONVERGED, AlertKind.OSCILLATING}
)


def root_causes_only(alerts: Sequence[Alert], histogram_tags: int) -> list[Alert]:
    """``alerts`` without the trend alerts explained by a NaN or by frozen weights.

    A trend alert is explained by a NaN when it starts at or after the run's first
    non-finite value, and by frozen weights when every one of the run's
    ``histogram_tags`` histogram tags is frozen (nothing trains at all). A run with a
    metric that diverges or oscillates is not also said to plateau or to have converged
    (overfitting: the validation loss rising says more than the training loss flat).
    """
    nan_steps = [a.step for a in alerts if a.kind == AlertKind.NAN and a.step >= 0]
    first_nan = min(nan_steps) if nan_steps else None
    frozen = {a.tag for a in alerts if a.kind == AlertKind.FROZEN}
    nothing_trains = histogram_tags > 0 and len(frozen) >= histogram_tags
    unstable = any(a.kind in (AlertKind.DIVERGING, AlertKind.OSCILLATING) for a in alerts)
    kept: list[Alert] = []
    for alert in alerts:
        if alert.kind in (AlertKind.PLATEAU, AlertKind.CONVERGED) and unstable:
            continue  # getting worse says more than not getting better
        if alert.kind in TREND_KINDS:
            if nothing_trains:
                continue
            if first_nan is not None and alert.step >= first_nan:
                continue
        kept.append(alert)
    return kept
