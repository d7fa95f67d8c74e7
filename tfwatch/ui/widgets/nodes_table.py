"""The node list of the system panel: one row per node the node sources read (this
machine among them), refreshed from the session once a second; Enter opens a node
(:class:`~tfwatch.ui.screens.node.NodeScreen`). Shown when a source reads other nodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual.widgets import DataTable

from tfwatch.live.view_models import RunSummary
from tfwatch.model.nodes import NodeReading
from tfwatch.ui.widgets.node_lines import node_line

NodesSource = Callable[[], Sequence[NodeReading]]
RunsSource = Callable[[], Mapping[str, RunSummary]]


def runs_by_node(runs: Mapping[str, RunSummary]) -> dict[str, list[str]]:
    """Run names per node name, sorted."""
    out: dict[str, list[str]] = {}
    for name in sorted(runs):
        node = runs[name].node
        if node is not None:
            out.setdefault(node, []).append(name)
    return out


class NodesTable(DataTable[object]):
    """One line per node; the row key is the node's name."""

    DEFAULT_CSS = """
    NodesTable { height: auto; max-height: 12; }
    """

    def __init__(self, nodes: NodesSource, runs: RunsSource, **kwargs: object) -> None:
        super().__init__(cursor_type="row", show_header=False, **kwargs)  # type: ignore[arg-type]
        self._read_nodes = nodes
        self._runs = runs
        self._shown: tuple[object, ...] = ()

    def on_mount(self) -> None:
        self.add_column("node", key="node")
        self.refresh_nodes()
        self.set_interval(1.0, self.refresh_nodes)

    def refresh_nodes(self) -> None:
        """Redraw when the readings or the runs on them changed."""
        nodes = tuple(self._read_nodes())
        on = runs_by_node(self._runs())
        lines = tuple((n, tuple(on.get(n.name, ()))) for n in nodes)
        if lines == self._shown:
            return
        self._shown = lines
        cursor = self.cursor_row
        self.clear()
        for node, runs in lines:
            self.add_row(node_line(node, runs), key=node.name)
        if lines:
            self.move_cursor(row=min(cursor, len(lines) - 1))

    @property
    def current_node(self) -> str | None:
        """The node under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None
