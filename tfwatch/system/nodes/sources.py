"""The node pollers a command line asks for (``--prometheus URL``, its headers)."""

from __future__ import annotations

from collections.abc import Sequence

from tfwatch.system.nodes.poller import NodePoller
from tfwatch.system.nodes.prometheus_http import parse_header
from tfwatch.system.nodes.prometheus_names import PrometheusNames


def prometheus_urls(given: Sequence[str], environ_value: str | None) -> list[str]:
    """``--prometheus`` URLs, else those of ``TFWATCH_PROMETHEUS_URL`` (several may be
    separated by commas or spaces)."""
    if given:
        return list(given)
    return [u for u in (environ_value or "").replace(",", " ").split() if u]


def prometheus_pollers(
    urls: Sequence[str],
    headers: Sequence[str] = (),
    names: PrometheusNames | None = None,
    timeout_s: float = 10.0,
) -> list[NodePoller]:
    """One poller per URL, each sending every header (raises ``PrometheusError`` on a bad
    URL or header, naming neither a password nor a header's value)."""
    from tfwatch.system.nodes.prometheus_poller import PrometheusPoller

    parsed = dict(parse_header(h) for h in headers)
    return [PrometheusPoller(url, parsed, names, timeout_s) for url in urls]
