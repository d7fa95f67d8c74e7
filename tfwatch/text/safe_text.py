"""Text from event files made safe to print: names and tags anyone can write.

Control characters (C0, DEL, C1 — ESC among them, so no terminal escape sequence gets
through), bidirectional overrides and zero-width characters are shown as visible
escapes such as ``\\x1b`` or ``\\u202e``; everything else is kept as written.

File names that are not valid UTF-8 reach Python as lone surrogates (``os.fsdecode``'s
``surrogateescape``); they cannot be encoded into any UTF-8 output, so they are shown
as the byte they stand for (``\\xff``).
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    c = m.group(0)
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of an undecodable file name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character replaced by a visible escape."""
    if text.isprintable() and _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def unicode_text(text: str) -> str:
    """``text`` with only the undecodable bytes of file names escaped (``\\xff``), so it
    can be written as UTF-8 (JSON, CSV, reports); other characters are kept as written."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape, text)
