"""The node pollers the options ask for: ``--prometheus`` URLs (else
``TFWATCH_PROMETHEUS_URL``), their headers (and ``TFWATCH_PROMETHEUS_HEADERS``, which
keeps a token out of the process list), and the ``[prometheus]`` names of the config
file. One place for the app and the one-shot commands."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from tfwatch.analysis.config import default_config_path, read_config_file
from tfwatch.system.nodes.poller import NodePoller
from tfwatch.system.nodes.prometheus_names import PrometheusNames, prometheus_names
from tfwatch.system.nodes.sources import prometheus_pollers, prometheus_urls

URL_ENV = "TFWATCH_PROMETHEUS_URL"
HEADERS_ENV = "TFWATCH_PROMETHEUS_HEADERS"


def node_pollers(
    urls: Sequence[str],
    headers: Sequence[str] = (),
    config_path: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> list[NodePoller]:
    """One poller per Prometheus URL (none given nor in the environment: an empty list).
    Raises ``PrometheusError`` for a bad URL or header, ``NodeConfigError`` or
    ``ConfigError`` for a bad config file."""
    chosen = prometheus_urls(urls, environ.get(URL_ENV))
    if not chosen:
        return []
    every = [*headers, *(h for h in environ.get(HEADERS_ENV, "").splitlines() if h.strip())]
    return prometheus_pollers(chosen, every, config_names(config_path))


def ssh_pollers(
    roots: Sequence[str], nodes: Sequence[str], storage_options: Mapping[str, object]
) -> list[NodePoller]:
    """One poller per SSH node: every SSH root's host, then each ``--node`` destination."""
    from tfwatch.system.nodes.ssh_poller import ssh_node_pollers  # asyncssh: only when asked

    return list(ssh_node_pollers(roots, nodes, dict(storage_options)))


def config_names(path: str | None) -> PrometheusNames | None:
    """The ``[prometheus]`` names of ``path``, else of the default config file when
    there is one (None: the defaults)."""
    if path is None:
        default = default_config_path()
        try:
            if not default.is_file():
                return None
        except OSError:  # an unreadable home directory: no user config
            return None
        path = str(default)
    return prometheus_names(read_config_file(path), source=path)
