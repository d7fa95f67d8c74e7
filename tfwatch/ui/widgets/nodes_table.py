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


def node_of_key(key: str | None) -> str | None:
    """The node name a row key holds (``"<row>:<name>"``)."""
    return key.split(":", 1)[1] if key is not None and ":" in key else None


class NodesTable(DataTable[object]):
    """One line per node; the row key is ``"<row>:<node name>"``."""

    DEFAULT_CSS = """
    NodesTable { height: auto; max-height: 12; overflow-x: hidden; }
    """

    def __init__(self, nodes: NodesSource, runs: RunsSource, **kwargs: object) -> None:
        super().__init__(cursor_type="row", show_header=False, **kwargs)  # type: ignore[arg-type]
        self._read_nodes = nodes
        self._runs = runs
        self._seen: tuple[object, object] = (None, None)
        #: The text on screen per row key.
        self._lines: dict[str, str] = {}

    def on_mount(self) -> None:
        self.add_column("node", key="node")
        self.refresh_nodes()
        self.set_interval(1.0, self.refresh_nodes)

    def refresh_nodes(self) -> None:
        """Redraw when the readings or the runs on them changed."""
        nodes = self._read_nodes()
        on = runs_by_node(self._runs())
        # Readings are replaced whole on each poll: the same object, nothing new (no deep
        # comparison of process tables).
        if nodes is self._seen[0] and on == self._seen[1]:
            return
        self._seen = (nodes, on)
        # Two sources may name one node (this machine, and Prometheus' node exporter).
        rows = {f"{i}:{n.name}": node_line(n, on.get(n.name, ())) for i, n in enumerate(nodes)}
        if list(rows) == list(self._lines):
            for key, line in rows.items():
                if line.plain != self._lines[key]:  # only the rows whose text changed
                    self.update_cell(key, "node", line, update_width=True)
        else:
            cursor = self.cursor_row
            self.clear()
            for key, line in rows.items():
                self.add_row(line, key=key)
            if rows:
                self.move_cursor(row=min(cursor, len(rows) - 1))
        self._lines = {key: line.plain for key, line in rows.items()}

    @property
    def current_node(self) -> str | None:
        """The node under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return node_of_key(key.value)
