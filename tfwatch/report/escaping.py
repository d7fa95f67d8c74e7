"""Text from event files made inert for each output format.

Run names, tags and hparams are written by anyone; none of them may break a table row,
open an HTML element, close a code fence or ping a GitHub user. Every function first makes
control characters visible (:func:`tfwatch.text.safe_text.printable`), so a newline or an
escape sequence shows as ``\\x0a`` / ``\\x1b`` instead of acting.
"""

from __future__ import annotations

import html
import re

from tfwatch.text.safe_text import printable

# Characters with a meaning anywhere in GitHub-flavoured Markdown inline text or tables
# ('$' opens GitHub's math); '&', '<', '>' become entities instead.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
# Block markers only act at the start of a line: headings, lists, quotes, rules.
_MD_LEADING = re.compile(
    r"^(\s*\d+)([.)])(?=\s|$)"  # ordered list item: "1. x"
    r"|^(\s*)([#+\-](?=\s|$)|[-=](?=[-=\s]*$))"  # heading, bullet, rule/underline
)
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
# Mermaid labels: keep a safe, readable subset; quotes, '%' (directives) and the rest go.
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 _./=:,+\-()\[\]@^*~]")
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def markdown_text(text: str) -> str:
    """``text`` as literal GFM inline text, safe inside a table cell."""
    out = _MD_LEADING.sub(_escape_leading, _MD_SPECIAL.sub(r"\\\1", printable(text)))
    # GFM passes raw HTML through; entities keep '<script>' as text.
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # '@team' in a PR comment would notify people: a word joiner breaks the mention.
    return _MENTION.sub("@\u2060", out)


def _escape_leading(m: re.Match[str]) -> str:
    if m.group(2) is not None:
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(3)}\\{m.group(4)}"


def html_text(text: str) -> str:
    """``text`` for HTML element content and quoted attribute values."""
    return html.escape(printable(text), quote=True)


def mermaid_label(text: str, limit: int = 60) -> str:
    """``text`` reduced to characters a quoted Mermaid label always shows as written."""
    out = _MERMAID_UNSAFE.sub("_", printable(text))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def csv_cell(text: str) -> str:
    """A text cell that spreadsheets will not run as a formula (OWASP's rule)."""
    return "'" + text if text.startswith(_CSV_FORMULA) else text
