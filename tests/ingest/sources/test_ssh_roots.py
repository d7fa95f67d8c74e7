"""SSH roots as users write them: ``host:path`` and ``ssh://`` through ~/.ssh/config."""

from __future__ import annotations

from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tests.ingest.sources.backends import SSHKeys
from tests.ingest.sources.ssh_server import SSHServer
from tfwatch.ingest.sources.ssh import CONNECTIONS
from tfwatch.loading import load_once


@pytest.fixture
def ssh_home(ssh_keys: SSHKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home directory whose ~/.ssh/config names the test server ``trainbox``."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(ssh_keys.known_hosts.read_text())
    (home / ".ssh" / "config").write_text(
        "Host trainbox\n"
        "    HostName 127.0.0.1\n"
        f"    Port {ssh_keys.port}\n"
        "    User tester\n"
        f"    IdentityFile {ssh_keys.client_key}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return home


def test_config_alias_in_both_spellings_shares_one_connection(
    ssh_home: Path, ssh_server: SSHServer, tmp_path: Path
) -> None:
    logs = tmp_path / "cluster"
    for name in ("a", "b"):
        w = SummaryWriter(str(logs / name / "run"))
        w.add_scalar("loss", 1.0, 0)
        w.close()
    before = ssh_server.connections_made
    tailer = load_once([f"trainbox:{logs}/a", f"second=ssh://trainbox{logs}/b"])
    assert sorted(tailer.runs) == ["a/run", "second/run"]
    assert ssh_server.connections_made - before == 1  # one connection per host, reused
    assert CONNECTIONS.count() >= 1


def test_scp_style_relative_path(
    ssh_home: Path, ssh_server: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The in-process server resolves relative paths against its working directory, as
    # sshd does against the login directory.
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(str(tmp_path / "exp" / "run1"))
    w.add_scalar("loss", 1.0, 0)
    w.close()
    tailer = load_once(["trainbox:exp"])
    assert list(tailer.runs) == ["run1"]
