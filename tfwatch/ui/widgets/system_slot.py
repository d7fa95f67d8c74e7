"""The slot for the system strip (CPU, memory, GPU) and its full panel.

The widgets live in :mod:`tfwatch.ui.widgets.system_panel`; they read the live session's
sampler (the session starts and stops it). Where the panel module
cannot be imported the slot stays empty and takes no room, rather than showing made-up
numbers.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import DataTable


class SystemSlot(Container):
    """The one-line strip, or the full panel when the ``full`` class is set."""

    DEFAULT_CSS = """
    SystemSlot { height: auto; max-height: 50vh; display: none; }
    SystemSlot.filled { display: block; }
    SystemSlot #system-panel { display: none; }
    SystemSlot.full #system-panel { display: block; }
    SystemSlot.full #system-strip { display: none; }
    SystemSlot #nodes { display: none; }
    SystemSlot.full #nodes { display: block; }
    """

    def __init__(
        self,
        enabled: bool = True,
        log_roots: tuple[str, ...] = (),
        sampler: Any = None,
        session: Any = None,
    ) -> None:
        super().__init__(id="system-slot")
        self._enabled = enabled
        self._log_roots = log_roots
        self._sampler: Any = sampler
        #: The live session, whose node sources fill the node list (other nodes read).
        self._session: Any = session
        #: Whether the slot made its sampler (then it starts and stops it).
        self._owns_sampler = False

    def compose(self) -> ComposeResult:
        if not self._enabled:
            return
        try:
            from tfwatch.ui.widgets import system_panel as panel

            if self._sampler is None:
                from tfwatch.live.facade import SystemSampler

                self._sampler = SystemSampler(log_roots=self._log_roots)
                self._owns_sampler = True
        except Exception:  # no system support here: leave the slot empty
            return
        self.add_class("filled")
        session = self._session
        if session is not None and session.cluster is not None and session.cluster.remote:
            from tfwatch.ui.widgets.nodes_table import NodesTable

            yield NodesTable(lambda: session.nodes, self._runs, id="nodes")
        yield panel.SystemStrip(self._sampler, id="system-strip")
        yield panel.SystemPanel(self._sampler, id="system-panel")

    def _runs(self) -> Any:
        latest = self._session.latest if self._session is not None else None
        return latest.snapshot.runs if latest is not None else {}

    @on(DataTable.RowSelected, "#nodes")
    def _open_node(self, event: DataTable.RowSelected) -> None:
        """Enter on a node: its GPUs and processes."""
        event.stop()
        from tfwatch.ui.screens.node import NodeScreen
        from tfwatch.ui.widgets.nodes_table import node_of_key

        name = node_of_key(event.row_key.value)
        if name is not None and self._session is not None:
            session = self._session
            self.app.push_screen(NodeScreen(name, lambda: session.nodes, self._runs))

    def on_mount(self) -> None:
        if self._owns_sampler:
            self._sampler.start()

    def on_unmount(self) -> None:
        if self._owns_sampler:
            self._sampler.stop(timeout=0.5)

    def toggle_full(self) -> bool:
        """Switch between strip and panel; returns True when the panel is shown."""
        self.toggle_class("full")
        return self.has_class("full")

    def select_run(self, name: str | None) -> None:
        """Tell the panel which run is selected (its processes are highlighted)."""
        if self.has_class("filled"):
            self.query_one("#system-panel").selected_run = name  # type: ignore[attr-defined]
