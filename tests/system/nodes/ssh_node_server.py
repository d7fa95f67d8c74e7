"""An SSH server that plays GPU and CPU nodes (real commands in ``sh``, a stand-in
``nvidia-smi`` on the GPU user's PATH), for the SSH node tests and the app's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tests.ingest.sources.backends import SSHKeys
from tests.ingest.sources.process_servers import free_port
from tests.ingest.sources.ssh_server import SSHServer
from tests.nvidia_smi_standin import NvidiaSmi, install_nvidia_smi
from tfwatch.ingest.sources.ssh import SSHConnections, SSHTarget
from tfwatch.system.nodes.ssh_poller import SshNodePoller


def _path_without_nvidia_smi() -> str:
    dirs = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if not os.path.exists(os.path.join(d, "nvidia-smi")))


@dataclass
class NodeServer:
    """The exec-capable server, how to log in, and the GPU node's ``nvidia-smi``."""

    server: SSHServer
    port: int
    options: dict[str, object]
    smi: NvidiaSmi

    def target(self, user: str) -> SSHTarget:
        return SSHTarget(host="127.0.0.1", path=".", user=user, port=self.port)

    def poller(self, user: str = "gpu", **tuning: float) -> SshNodePoller:
        # A pool of its own per test: connection counts are the test's alone.
        return SshNodePoller(
            self.target(user), self.options, connections=SSHConnections(), **tuning
        )


def serve_nodes(
    ssh_keys: SSHKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeServer]:
    """A real SSH server running commands in ``sh``: user ``gpu`` has the stand-in
    ``nvidia-smi`` on its PATH, user ``cpu`` none (one server plays two nodes)."""
    directory = tmp_path_factory.mktemp("nodes")
    smi = install_nvidia_smi(directory / "smi")
    plain = _path_without_nvidia_smi()
    paths = {"gpu": f"{smi.directory}{os.pathsep}{plain}", "cpu": plain}
    host_key = asyncssh.read_private_key(str(ssh_keys.directory / "host_key"))
    port = free_port()
    known_hosts = directory / "known_hosts"
    public = host_key.export_public_key().decode().strip()
    known_hosts.write_text(f"[127.0.0.1]:{port} {public}\n")
    server = SSHServer(
        port,
        host_key,
        Path(str(ssh_keys.client_key) + ".pub").read_text(),
        exec_env=lambda user: {"PATH": paths.get(user, plain)},
    )
    server.start()
    options: dict[str, object] = {
        "client_keys": [str(ssh_keys.client_key)],
        "known_hosts": str(known_hosts),
        "agent_path": None,
        "config": [],
    }
    yield NodeServer(server, port, options, smi)
    server.shutdown()
