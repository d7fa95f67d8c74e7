"""Wrong credentials: one clear line that names the root and never shows a secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tests.ingest.sources.backends import Backend, SSHKeys
from tests.ingest.sources.process_servers import MotoS3Server, free_port
from tfwatch.cli import main
from tfwatch.ingest.sources.errors import SourceError
from tfwatch.ingest.sources.remote import open_remote
from tfwatch.ingest.tailer import Tailer
from tfwatch.store.runs import RunFactory

SECRET = "wJalrXUtnFEMI-not-the-right-one"


@pytest.fixture(scope="module")
def s3_with_auth() -> Iterator[tuple[str, dict[str, str]]]:
    """A moto S3 server that checks signatures; returns its URL and a valid key pair."""
    import boto3
    import s3fs

    server = MotoS3Server(free_port(), auth=True, setup_calls=3)
    server.start()
    try:
        iam = boto3.client(
            "iam", endpoint_url=server.url, region_name="us-east-1",
            aws_access_key_id="setup", aws_secret_access_key="setup",
        )  # fmt: skip
        iam.create_user(UserName="trainer")
        key = iam.create_access_key(UserName="trainer")["AccessKey"]
        policy = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
        )
        iam.put_user_policy(UserName="trainer", PolicyName="all", PolicyDocument=policy)
        good = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
        fs = s3fs.S3FileSystem(endpoint_url=server.url, skip_instance_cache=True, **good)
        fs.mkdir("secure")
        fs.pipe_file("secure/logs/run/events.out.tfevents.1.host", _event_file_bytes())
        yield server.url, good
    finally:
        server.stop()


def _event_file_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        w = SummaryWriter(d)
        w.add_scalar("loss", 1.0, 0)
        w.close()
        (path,) = Path(d).glob("*tfevents*")
        return path.read_bytes()


def test_s3_wrong_key_is_one_clear_line(
    s3_with_auth: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, good = s3_with_auth
    code = main(
        ["ls", "s3://secure/logs", "--storage-option", f"endpoint_url={url}",
         "--storage-option", "key=AKIAWRONGWRONGWRONG", "--storage-option", f"secret={SECRET}"]
    )  # fmt: skip
    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith("tfwatch: s3://secure/logs: access denied")
    assert "AWS_PROFILE" in stderr
    assert SECRET not in stderr
    # The same server with the right key reads the run: the check above was the key.
    ok = {"endpoint_url": url, **good}
    assert (
        main(["ls", "s3://secure/logs", *(f"--storage-option={k}={v}" for k, v in ok.items())]) == 0
    )
    out = capsys.readouterr().out
    assert "run" in out and good["secret"] not in out


def test_s3_wrong_key_in_the_tailer_is_a_failing_root(
    s3_with_auth: tuple[str, dict[str, str]],
) -> None:
    url, _ = s3_with_auth
    source = open_remote(
        "s3://secure/logs", {"endpoint_url": url, "key": "AKIAX", "secret": SECRET}
    )
    tailer = Tailer([("x", source)], RunFactory())
    result = tailer.poll()
    (status,) = tailer.statuses
    assert status.state == "failing"
    assert result.errors == [status.last_error]
    assert "access denied" in status.last_error and SECRET not in status.last_error


def test_ssh_key_not_authorized(ssh_backend: Backend, ssh_keys: SSHKeys, tmp_path: Path) -> None:
    import asyncssh

    stranger = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "stranger"
    stranger.write_private_key(str(key_file))
    options = {**ssh_backend.options, "client_keys": [str(key_file)]}
    source = open_remote(ssh_backend.url("anything"), options)
    with pytest.raises(SourceError) as err:
        source.list_event_files()
    assert "access denied" in str(err.value) and "~/.ssh" in str(err.value)


def test_webhdfs_wrong_user(webhdfs_backend: Backend) -> None:
    url = webhdfs_backend.url("logs").replace("reader@", "mallory@")
    with pytest.raises(SourceError) as err:
        open_remote(url).list_event_files()
    assert str(err.value).startswith("webhdfs://mallory@127.0.0.1:")
    assert "access denied" in str(err.value)


def test_gcs_credentials_file_missing_or_broken(
    gcs_backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "nope.json"))
    with pytest.raises(SourceError) as err:
        open_remote(gcs_backend.url("logs"))
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(err.value)
    assert "No such file" in str(err.value)
    broken = tmp_path / "broken.json"
    broken.write_text('{"private_key": "' + SECRET + '"')
    with pytest.raises(SourceError) as err:
        open_remote(gcs_backend.url("logs"), {"token": str(broken)})
    assert "is not JSON" in str(err.value) and SECRET not in str(err.value)
