"""Alerts a person has seen: acknowledged ones, muted runs and muted kinds.

Remembered for the session and, in a small JSON file under ``$XDG_STATE_HOME/tfwatch``
(``~/.local/state/tfwatch``), across restarts — never in the log roots. An acknowledged
alert stays hidden while it holds; once it clears it is forgotten, so the next time its
condition holds it shows again. A muted run or kind stays muted until unmuted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from tfwatch.model.alerts import Alert, AlertKey

#: The file's format version (a file of another version is ignored).
VERSION = 1


def default_mutes_path() -> Path:
    """``$XDG_STATE_HOME/tfwatch/muted_alerts.json``, else ``~/.local/state/tfwatch/…``."""
    base = os.environ.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "tfwatch" / "muted_alerts.json"


class AlertMutes:
    """What the alerts panel hides, and the file it is kept in (None: this session only)."""

    def __init__(self, path: Path | None = None) -> None:
        #: Where the mutes are saved; None keeps them for the session only.
        self.path = path
        self.runs: set[str] = set()
        self.kinds: set[str] = set()
        self.acknowledged: set[AlertKey] = set()
        #: Why the file could not be read or written ("" when it could).
        self.problem = ""

    @classmethod
    def load(cls, path: Path) -> AlertMutes:
        """The mutes saved in ``path`` (none when it is missing; an unreadable or
        malformed file is set aside with :attr:`problem` saying why)."""
        mutes = cls(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return mutes
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            mutes.problem = f"{path}: cannot read the muted alerts ({exc})"
            return mutes
        if not isinstance(doc, dict) or doc.get("version") != VERSION:
            mutes.problem = f"{path}: not a muted-alerts file of version {VERSION}; ignored"
            return mutes
        mutes.runs = {r for r in doc.get("runs", []) if isinstance(r, str)}
        mutes.kinds = {k for k in doc.get("kinds", []) if isinstance(k, str)}
        mutes.acknowledged = {
            (k[0], k[1], k[2])
            for k in doc.get("acknowledged", [])
            if isinstance(k, list) and len(k) == 3 and all(isinstance(p, str) for p in k)
        }
        return mutes

    def hides(self, alert: Alert) -> bool:
        """Whether ``alert`` is kept out of the panel and the bell."""
        return alert.run in self.runs or alert.kind in self.kinds or alert.key in self.acknowledged

    def visible(self, alerts: Iterable[Alert]) -> list[Alert]:
        """``alerts`` without the hidden ones."""
        return [a for a in alerts if not self.hides(a)]

    def forget_cleared(self, active: Iterable[Alert]) -> bool:
        """Forget acknowledgements of alerts no longer active; True if any was forgotten."""
        keys = {a.key for a in active}
        cleared = self.acknowledged - keys
        self.acknowledged -= cleared
        return bool(cleared)

    def acknowledge(self, alert: Alert) -> None:
        """Hide ``alert`` while it holds."""
        self.acknowledged.add(alert.key)

    def mute_run(self, run: str) -> None:
        """Hide every alert of ``run``."""
        self.runs.add(run)

    def mute_kind(self, kind: str) -> None:
        """Hide every alert of ``kind``."""
        self.kinds.add(kind)

    def clear(self) -> None:
        """Show everything again."""
        self.runs.clear()
        self.kinds.clear()
        self.acknowledged.clear()

    def save(self) -> bool:
        """Write the mutes to :attr:`path` (nothing without one); False, with
        :attr:`problem` set, when it cannot be written."""
        if self.path is None:
            return True
        doc = {
            "version": VERSION,
            "runs": sorted(self.runs),
            "kinds": sorted(self.kinds),
            "acknowledged": sorted(list(k) for k in self.acknowledged),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
            tmp.replace(self.path)  # whole file or nothing: a crash never leaves half of it
        except OSError as exc:
            self.problem = f"{self.path}: cannot save the muted alerts ({exc.strerror or exc})"
            return False
        return True
