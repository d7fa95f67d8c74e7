"""The command palette (ctrl+p): find runs by name, and the app's actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from tfwatch.text.safe_text import printable
from tfwatch.ui.sorting import SORT_MODES

if TYPE_CHECKING:
    from tfwatch.ui.app import TfwatchApp


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

    def _actions(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("TfwatchApp", self.app)
        actions: list[tuple[str, Callable[[], object], str]] = [
            (f"Sort by {m.label}", partial(app.sort_by, m.key), "order the runs table")
            for m in SORT_MODES
        ]
        actions += [
            ("Compare marked runs", app.action_compare, "chart one tag across runs"),
            ("Choose metric", app.action_pick_metric, "metric columns"),
            ("Filter runs", app.action_filter, "text, re:, key=value, state:"),
            ("Clear marks", self._clear_marks, "unmark every run"),
            ("Help", app.action_help, "every key binding"),
        ]
        return actions

    def _clear_marks(self) -> None:
        app = cast("TfwatchApp", self.app)
        app.marked.clear()
        app.refresh_view()

    async def discover(self) -> Hits:
        for label, callback, help_text in self._actions():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast("TfwatchApp", self.app)
        matcher = self.matcher(query)
        snapshot = app.snapshot
        names = sorted(snapshot.runs) if snapshot is not None else []
        for name in names:
            shown = printable(name)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score, _highlight(matcher, query, shown), partial(app.goto_run, name),
                    help="go to run",
                )  # fmt: skip
        for label, callback, help_text in self._actions():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
