"""One node opened from the node list: its GPUs (with their pods and processes) and the
processes it lists, with the run each writes, refreshed once a second."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tfwatch.text.safe_text import printable
from tfwatch.ui.widgets.node_lines import node_detail
from tfwatch.ui.widgets.nodes_table import NodesSource, RunsSource, runs_by_node


class NodeScreen(Screen[None]):
    """The node ``name`` as its source last read it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Close"),
    ]

    def __init__(self, name: str, nodes: NodesSource, runs: RunsSource) -> None:
        super().__init__()
        self.node_name = name
        self._read_nodes = nodes
        self._runs = runs

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="node-detail")

    def on_mount(self) -> None:
        self._draw()
        self.set_interval(1.0, self._draw)

    def _draw(self) -> None:
        node = next((n for n in self._read_nodes() if n.name == self.node_name), None)
        detail = self.query_one("#node-detail", Static)
        if node is None:
            detail.update(f"node {printable(self.node_name)} is no longer reported")
            return
        runs = self._runs()
        pids = {r.pid: name for name, r in runs.items() if r.node == node.name and r.pid}
        detail.update(node_detail(node, runs_by_node(runs).get(node.name, []), pids))
