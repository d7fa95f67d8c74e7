"""The errors a person can act on: the command line prints each as one line and exits
with status 2 (:func:`tfwatch.cli.main`, the one place that does).

This module imports nothing: every layer may raise these. Each layer keeps its own
subclass beside the code that raises it (``SourceError`` in the sources,
``ConfigError`` beside the config reader); the ones that belong to no layer live here.
"""

from __future__ import annotations


class TfwatchError(Exception):
    """An error worth one line to the user and exit status 2, never a traceback."""


class UsageError(TfwatchError):
    """A command-line value that cannot work: a bad regex, an unknown kind, a metric or
    baseline no run has."""


class OutputError(TfwatchError):
    """The output file (``-o FILE``) cannot be written."""
