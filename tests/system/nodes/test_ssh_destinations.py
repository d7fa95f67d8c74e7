"""Which SSH nodes a command line names: the hosts of its SSH roots and each ``--node``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfwatch.ingest.sources.errors import SourceError
from tfwatch.ingest.sources.ssh import SSHTarget
from tfwatch.system.nodes.ssh_poller import parse_node_destination, ssh_node_pollers


def test_destinations_as_ssh_takes_them() -> None:
    assert parse_node_destination("gpu1") == SSHTarget("gpu1", ".")
    assert parse_node_destination("alice@gpu1.lab") == SSHTarget("gpu1.lab", ".", "alice")
    assert parse_node_destination("ssh://bob@10.0.0.7:2222") == SSHTarget(
        "10.0.0.7", ".", "bob", 2222
    )
    assert parse_node_destination("ssh://gpu3/ignored/path") == SSHTarget("gpu3", ".")
    for bad in ("alice@gpu1:2222", "sftp://gpu1", "http://gpu1", "a b", "-oProxyCommand=x"):
        with pytest.raises(SourceError, match="expected"):
            parse_node_destination(bad)


def test_one_poller_per_node_from_roots_and_nodes(tmp_path: Path) -> None:
    roots = [
        "gpu1:/data/runs",
        "second=ssh://alice@gpu2:2222/logs",
        "ssh://alice@gpu2:2222/other",  # same node: one poller
        "GPU1:/more",  # host names are not case-sensitive
        str(tmp_path),  # a local root is no node
        "s3://bucket/logs",
    ]
    pollers = ssh_node_pollers(roots, ["trainbox", "gpu1"], {"ssh.known_hosts": "/kh"})
    assert [p.label for p in pollers] == ["ssh gpu1", "ssh alice@gpu2:2222", "ssh trainbox"]
    assert [p.destination for p in pollers] == ["gpu1", "alice@gpu2:2222", "trainbox"]
