"""Which scalar tags a user's pattern names: one rule for ``--tags``, ``--metric``,
``--maximize`` and the health config's tag lists.

A pattern is a glob matched case-insensitively against the whole tag; a pattern without
``/`` may also match the tag's last path part, so ``loss`` names ``train/loss`` and
``val_*`` names ``metrics/val_loss`` (TensorBoard groups tags by their path, and people
name a metric by its last part).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import IO

#: Tags named in a warning about a pattern that matched none, at most.
_TAGS_IN_WARNING = 12


def matches_any(tag: str, patterns: Iterable[str]) -> bool:
    """Whether ``tag`` matches one of the glob ``patterns`` (case-insensitive).

    A pattern without ``/`` may also match the tag's last path component, so
    ``val_*`` matches ``metrics/val_loss``.
    """
    lowered = tag.lower()
    leaf = lowered.rsplit("/", 1)[-1]
    for pattern in patterns:
        p = pattern.lower()
        if fnmatchcase(lowered, p) or ("/" not in p and fnmatchcase(leaf, p)):
            return True
    return False


def select_tags(tags: Iterable[str], patterns: Sequence[str] | None) -> list[str]:
    """The tags among ``tags`` that one of ``patterns`` names (none given: none), sorted."""
    if not patterns:
        return []
    return [t for t in sorted(set(tags)) if matches_any(t, patterns)]


def unmatched_patterns(patterns: Sequence[str] | None, tags: Iterable[str]) -> list[str]:
    """The ``patterns`` that name none of ``tags``."""
    seen = set(tags)
    return [p for p in patterns or () if not any(matches_any(t, [p]) for t in seen)]


def warn_unmatched(
    option: str, patterns: Sequence[str] | None, tags: Iterable[str], err: IO[str]
) -> None:
    """One warning line on ``err`` per pattern that names no tag of any run, with the
    tags that were seen (a typo then shows at once instead of as empty columns)."""
    from tfwatch.text.safe_text import printable

    seen = sorted(set(tags))
    for pattern in unmatched_patterns(patterns, seen):
        shown = ", ".join(printable(t) for t in seen[:_TAGS_IN_WARNING])
        if len(seen) > _TAGS_IN_WARNING:
            shown += f", … ({len(seen)} in all)"
        err.write(
            f"tfwatch: warning: {option} {printable(repr(pattern))} matches no tag "
            f"(tags seen: {shown or 'none'})\n"
        )
