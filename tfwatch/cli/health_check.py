"""``tfwatch check``: read every run once, print health alerts, exit non-zero on the bad ones.

Exit status: 1 when an alert of a ``--fail-on`` kind is present (information, such as
``converged``, never fails), 0 otherwise, 2 on bad
input (a root that cannot be read, a bad config). Damaged event files are listed and fail
the check only with ``--fail-on damage``: by default what could be read was checked. A
file whose last record is still being written (an incomplete tail) is listed apart and
never fails the check.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import IO, Any

from tfwatch.analysis.alerts import Alert, format_alert
from tfwatch.analysis.config import load_config
from tfwatch.analysis.health import run_health
from tfwatch.cli.export_writers import damage_json, incomplete_tail_json
from tfwatch.errors import UsageError
from tfwatch.loading import load_once
from tfwatch.model.alert_kinds import ALERT_KINDS, AlertKind, alert_severity
from tfwatch.text.safe_text import printable

DEFAULT_FAIL_ON = ("nan", "diverging")
#: ``--fail-on`` kind for damaged event files (CRC mismatches, torn or undecodable
#: records, files cut short and no longer written): not an alert, so not a detector's.
DAMAGE = "damage"


#: The order of an alert's fields in ``check --json`` (the wall time last).
ALERT_FIELDS = ("run", "tag", "step", "kind", "message", "wall_time")


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as ``check --json`` lists it: :meth:`Alert.to_dict` in :data:`ALERT_FIELDS`
    order."""
    fields = alert.to_dict()
    return {**{k: fields[k] for k in ALERT_FIELDS}, "severity": alert_severity(alert.kind)}


def parse_kinds(text: str) -> tuple[str, ...]:
    """``nan,diverging`` → kinds; ``all`` for every kind; unknown names are bad input.

    Known kinds are the built-in ones, ``detector_error``, the names of installed
    ``tfwatch.detectors`` plugins (a plugin's alerts use its name as their kind) and
    ``damage`` (a damaged event file).
    """
    from tfwatch.analysis.health import default_plugins

    known = (*ALERT_KINDS, AlertKind.DETECTOR_ERROR, *(p.name for p in default_plugins()), DAMAGE)
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if kinds == ("all",):
        return known
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise UsageError(
            f"--fail-on: unknown kind {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return kinds


def run_check(
    roots: Sequence[str],
    fail_on: Sequence[str] = DEFAULT_FAIL_ON,
    as_json: bool = False,
    config_path: str | None = None,
    storage_options: dict[str, Any] | None = None,
    out: IO[str] | None = None,
    since: float | None = None,
    cache: Any = None,
) -> int:
    """Run the check and write its report (to stdout by default); return the exit status.

    ``since`` (seconds) leaves out alerts whose condition already held before that long
    ago (their onset's wall time is older): what was already there. Information alerts
    (``converged``) are listed but never fail the check, whatever ``fail_on`` says."""
    # Looked up at call time, not bound at import: stdout may be replaced (tests, pipes).
    out = sys.stdout if out is None else out
    config = load_config(config_path)
    tailer = load_once(roots, storage_options=storage_options, cache=cache)
    now = time.time()
    alerts: list[Alert] = []
    damage: list[dict[str, Any]] = []
    tails: list[dict[str, Any]] = []
    for name in sorted(tailer.runs):
        run = tailer.runs[name]
        with tailer.lock:
            alerts.extend(run_health(run, config, now))
        damage.extend({"run": name, **damage_json(d)} for d in run.damage)
        tails.extend({"run": name, **incomplete_tail_json(t)} for t in run.incomplete_tails())
    if since is not None:
        alerts = [a for a in alerts if a.wall_time >= now - since]
    failing = [a for a in alerts if a.kind in fail_on and alert_severity(a.kind) != "info"]
    damage_fails = DAMAGE in fail_on and bool(damage)
    if as_json:
        payload = {
            "alerts": [alert_json(a) for a in alerts],
            "damage": damage,
            "incomplete_tails": tails,
            "runs": len(tailer.runs),
            "failed": bool(failing) or damage_fails,
        }  # fmt: skip
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for a in alerts:
            mark = "FAIL" if a in failing else alert_severity(a.kind)[:4]
            out.write(f"{mark}  {printable(format_alert(a))}\n")
        mark = "FAIL  damage" if damage_fails else "damage"
        for d in damage:
            out.write(
                f"{mark}  {printable(d['run'])}  {printable(d['file'])}: {d['kind']} at byte "
                f"{d['offset']}, {d['skipped_bytes']} bytes skipped\n"
            )
        for t in tails:
            out.write(
                f"tail  {printable(t['run'])}  {printable(t['file'])}: incomplete tail (still "
                f"being written), {t['pending_bytes']} bytes at byte {t['offset']}\n"
            )
        damaged = f", {len(damage)} damaged region(s)" if damage else ""
        out.write(
            f"{len(tailer.runs)} runs checked: {len(alerts)} alert(s){damaged}, "
            f"{len(failing) + (len(damage) if damage_fails else 0)} failing "
            f"({', '.join(fail_on) or 'none'})\n"
        )
    return 1 if failing or damage_fails else 0
