"""The one interface every node source implements."""

from __future__ import annotations

from typing import Protocol

from tfwatch.model.nodes import NodeReading


class NodePoller(Protocol):
    """Reads some nodes once per call; the cluster monitor calls it from its own thread."""

    #: What the poller reads, for messages ("ssh gpu1", "prometheus http://…").
    label: str

    def poll(self, deadline: float) -> list[NodeReading]:
        """One reading per node it knows; must return (or raise) by ``deadline``
        (``time.monotonic()`` seconds). A node that did not answer is a reading with
        ``up=False`` and its error, not an exception."""
        ...

    def close(self) -> None:
        """Drop connections; the poller is not used again."""
        ...
