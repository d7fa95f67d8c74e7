"""Errors of the node sources that a person can act on (one line, exit status 2)."""

from __future__ import annotations

from tfwatch.errors import TfwatchError


class NodeSourceError(TfwatchError):
    """A node source that cannot be read: a bad URL, a refused connection, an answer that
    is not what the source speaks. The message never holds credentials."""


class NodeConfigError(NodeSourceError):
    """A ``[prometheus]`` table of the config file that cannot be used (names the key)."""
