"""Text from event files made safe to print: names and tags anyone can write.

Control characters (C0, DEL, C1 — ESC among them, so no terminal escape sequence gets
through), bidirectional overrides and zero-width characters are shown as visible
escapes such as ``\\x1b`` or ``\\u202e``; everything else is kept as written.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def _escape(m: re.Match[str]) -> str:
    c = m.group(0)
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character replaced by a visible escape."""
    if text.isprintable() and _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)
