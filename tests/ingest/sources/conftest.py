"""Real servers on 127.0.0.1 for the remote-root tests, started once per session.

Every backend is wrapped in a :class:`~tests.ingest.sources.backends.Backend` so the same
tests run against each: ``publish`` copies a local log tree to the server the way a sync
job does (whole files, replacing what was there), ``stop``/``start`` take the server down
and bring it back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.sources.backends import Backend, SSHKeys
from tests.ingest.sources.process_servers import FakeGCSServer, MotoS3Server, free_port
from tests.ingest.sources.ssh_server import SSHServer
from tests.ingest.sources.webhdfs_server import WebHDFSServer

# gcsfs reads this when imported; the emulator does not answer the zonal-bucket probe.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

BACKENDS = ("s3", "gcs", "ssh", "webhdfs")


def _files(local: Path) -> list[Path]:
    return sorted(p for p in local.rglob("*") if p.is_file())


def _fsspec_publisher(fs: Any, bucket: str) -> Callable[[Path, str], None]:
    def publish(local: Path, prefix: str) -> None:
        for path in _files(local):
            fs.pipe_file(
                f"{bucket}/{prefix}/{path.relative_to(local).as_posix()}", path.read_bytes()
            )

    return publish


def _copy_publisher(served: Path) -> Callable[[Path, str], None]:
    def publish(local: Path, prefix: str) -> None:
        for path in _files(local):
            target = served / prefix / path.relative_to(local)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".partial")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)  # like rsync: readers never see a half-copied file

    return publish


@pytest.fixture(scope="session")
def s3_backend() -> Iterator[Backend]:
    """moto's S3 server as a process, bucket ``tblogs``."""
    import s3fs

    server = MotoS3Server(free_port())
    server.start()
    options = {
        "endpoint_url": server.url,
        "key": "testing",
        "secret": "testing",
        # Fail fast when the server is down instead of botocore's retry loop.
        "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2},
    }
    fs = s3fs.S3FileSystem(skip_instance_cache=True, **options)
    fs.mkdir("tblogs")
    published: list[tuple[Path, str]] = []
    publish = _fsspec_publisher(fs, "tblogs")

    def remember(local: Path, prefix: str) -> None:
        published.append((local, prefix))
        publish(local, prefix)

    def start() -> None:
        server.start()
        fs.invalidate_cache()
        fs.mkdir("tblogs")  # moto keeps objects in memory: the sync job uploads again
        for local, prefix in published:
            publish(local, prefix)

    yield Backend("s3", lambda p: f"s3://tblogs/{p}", remember, server.stop, start, options, True)
    server.stop()


@pytest.fixture(scope="session")
def gcs_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """fake-gcs-server with a filesystem backend, bucket ``tblogs``."""
    server = FakeGCSServer(free_port(), tmp_path_factory.mktemp("gcs"))
    server.start()
    previous = os.environ.get("STORAGE_EMULATOR_HOST")
    os.environ["STORAGE_EMULATOR_HOST"] = server.url
    import gcsfs

    fs = gcsfs.GCSFileSystem(token="anon", skip_instance_cache=True)
    fs.mkdir("tblogs")
    options = {"token": "anon", "retries": 1}
    yield Backend(
        "gcs", lambda p: f"gs://tblogs/{p}", _fsspec_publisher(fs, "tblogs"), server.stop,
        server.start, options,
    )  # fmt: skip
    server.stop()
    if previous is None:
        os.environ.pop("STORAGE_EMULATOR_HOST", None)
    else:
        os.environ["STORAGE_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> SSHKeys:
    """A host key, a user key and a ``known_hosts`` line for the test server."""
    import asyncssh

    directory = tmp_path_factory.mktemp("sshkeys")
    port = free_port()
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client = asyncssh.generate_private_key("ssh-ed25519")
    client_key = directory / "id_ed25519"
    client.write_private_key(str(client_key))
    client.write_public_key(str(client_key) + ".pub")
    host_key.write_private_key(str(directory / "host_key"))
    known_hosts = directory / "known_hosts"
    public = host_key.export_public_key().decode().strip()
    known_hosts.write_text(f"[127.0.0.1]:{port} {public}\n")
    return SSHKeys(directory, client_key, known_hosts, port)


@pytest.fixture(scope="session")
def ssh_server(ssh_keys: SSHKeys) -> Iterator[SSHServer]:
    """The in-process SFTP server, key login only."""
    import asyncssh

    host_key = asyncssh.read_private_key(str(ssh_keys.directory / "host_key"))
    public = (Path(str(ssh_keys.client_key) + ".pub")).read_text()
    server = SSHServer(ssh_keys.port, host_key, public)
    server.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def ssh_backend(
    ssh_server: SSHServer, ssh_keys: SSHKeys, tmp_path_factory: pytest.TempPathFactory
) -> Backend:
    """SFTP over the in-process server; the served tree is a local directory."""
    served = tmp_path_factory.mktemp("sshroot")
    options = {
        "client_keys": [str(ssh_keys.client_key)],
        "known_hosts": str(ssh_keys.known_hosts),
        "agent_path": None,
        "config": [],
    }
    return Backend(
        "ssh", lambda p: f"ssh://tester@127.0.0.1:{ssh_keys.port}{served}/{p}",
        _copy_publisher(served), ssh_server.stop, ssh_server.start, options,
    )  # fmt: skip


@pytest.fixture(scope="session")
def webhdfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebHDFSServer]:
    """The WebHDFS test name node over a local directory; user ``reader`` only."""
    server = WebHDFSServer(tmp_path_factory.mktemp("hdfs"), free_port(), "reader")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def webhdfs_backend(webhdfs_server: WebHDFSServer) -> Backend:
    """WebHDFS as user ``reader``."""
    port = webhdfs_server.port
    return Backend(
        "webhdfs", lambda p: f"webhdfs://reader@127.0.0.1:{port}/{p}",
        _copy_publisher(webhdfs_server.directory), webhdfs_server.stop, webhdfs_server.start,
    )  # fmt: skip


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend in turn."""
    value: Backend = request.getfixturevalue(f"{request.param}_backend")
    return value
