"""The footer of every screen, adapting to narrow terminals."""

from __future__ import annotations

from textual.events import Resize
from textual.widgets import Footer


class AdaptiveFooter(Footer):
    """The footer, compact and without the palette hint when the terminal is narrow,
    so that ``q Quit`` stays visible at 80 columns."""

    def __init__(self, narrow: int = 110) -> None:
        super().__init__()
        #: Below this width the footer drops its padding and the ``^p palette`` hint
        #: (screens with more bindings pass a larger width).
        self.narrow = narrow

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < self.narrow
        self.compact = narrow
        self.show_command_palette = not narrow
