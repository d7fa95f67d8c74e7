"""TextEnum: an enum whose members are their own strings, on every Python tfwatch supports."""

from __future__ import annotations

from enum import Enum


class TextEnum(str, Enum):
    """An enum of strings that prints, formats and compares as its value.

    ``enum.StrEnum`` does this from Python 3.11; tfwatch still runs on 3.10. Members
    equal (and hash as) their strings, so data read from JSON, configs or plugins
    compares with them directly, and output written with them stays the plain words.
    """

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)
