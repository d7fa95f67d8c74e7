"""The command palette (ctrl+p): find runs by name, and the app's actions.

The provider only posts messages (:class:`SortBy`, :class:`GoToRun`, :class:`Chosen`)
to the app; the run names it searches come from the app as a :class:`RunNames`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message

from tfwatch.text.safe_text import printable
from tfwatch.ui.sorting import SORT_MODES


class RunNames(Protocol):
    """What the palette reads from the app: every run's name (filtered out or not)."""

    def run_names(self) -> Sequence[str]:
        """Every run's name, sorted."""
        ...


@dataclass
class SortBy(Message):
    """Sort the runs table by the mode named ``key``."""

    key: str


@dataclass
class GoToRun(Message):
    """Put the cursor on run ``name`` (clearing a filter that hides it)."""

    name: str


@dataclass
class Chosen(Message):
    """Run the app action ``action`` (one of :data:`ACTIONS`)."""

    action: str


#: The palette's actions: (label, app action, help).
ACTIONS = (
    ("Compare marked runs", "compare", "chart one tag across runs"),
    ("Choose metric", "pick_metric", "metric columns"),
    ("Filter runs", "filter", "text, re:, key=value, state:"),
    ("Clear marks", "clear_marks", "unmark every run"),
    ("Help", "help", "every key binding"),
)


def _highlight(matcher: Matcher, query: str, text: str) -> Content:
    """``text`` taken literally (``Matcher.highlight`` parses markup, which would eat
    ``[lr=0.1]`` in a run name), with the matched letters underlined."""
    content = Content(text)
    _, offsets = matcher.fuzzy_search.match(query, text)
    for offset in offsets:
        content = content.stylize("bold underline", offset, offset + 1)
    return content


class RunCommands(Provider):
    """Runs ("go to run") and actions (sort, compare, metric, help)."""

    def _post(self, message: Message) -> None:
        self.app.post_message(message)

    def _actions(self) -> list[tuple[str, Callable[[], object], str]]:
        actions: list[tuple[str, Callable[[], object], str]] = [
            (f"Sort by {m.label}", partial(self._post, SortBy(m.key)), "order the runs table")
            for m in SORT_MODES
        ]
        actions += [
            (label, partial(self._post, Chosen(action)), help_text)
            for label, action, help_text in ACTIONS
        ]
        return actions

    async def discover(self) -> Hits:
        for label, callback, help_text in self._actions():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name in cast(RunNames, self.app).run_names():
            shown = printable(name)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score, _highlight(matcher, query, shown),
                    partial(self._post, GoToRun(name)), help="go to run",
                )  # fmt: skip
        for label, callback, help_text in self._actions():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
