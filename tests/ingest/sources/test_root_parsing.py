"""How remote roots and ``--storage-option`` are read from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tests.ingest.sources.backends import Backend
from tfwatch.cli import main
from tfwatch.ingest.sources.errors import SourceError, redact
from tfwatch.ingest.sources.options import options_for, parse_storage_options
from tfwatch.ingest.sources.remote import open_remote
from tfwatch.ingest.sources.ssh import SSHTarget, parse_ssh_target


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("gpu1:/runs", SSHTarget("gpu1", "/runs")),
        ("me@gpu1.lab:runs/exp", SSHTarget("gpu1.lab", "runs/exp", "me")),
        ("ssh://me@gpu1:2222/runs", SSHTarget("gpu1", "/runs", "me", 2222)),
        ("sftp://gpu1/runs", SSHTarget("gpu1", "/runs")),
        ("ssh://me:hunter2@gpu1/runs", SSHTarget("gpu1", "/runs", "me")),
        ("s3://bucket/logs", None),
        ("C:/logs", None),  # a Windows drive, not a host called C
        ("logs", None),
    ],
)
def test_ssh_targets(text: str, target: SSHTarget | None) -> None:
    assert parse_ssh_target(text) == target


def test_existing_local_path_with_colon_stays_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run:2").mkdir()
    assert parse_ssh_target("run:2") is None


def test_password_never_shown() -> None:
    assert parse_ssh_target("ssh://me:hunter2@gpu1/runs").display == "ssh://me@gpu1/runs"  # type: ignore[union-attr]
    source = open_remote("webhdfs://me:hunter2@127.0.0.1:1/logs")
    assert "hunter2" not in source.root
    assert redact("GET http://me:hunter2@host/x failed", ()) == "GET http://me:***@host/x failed"
    assert redact("token abcdefgh rejected", ("abcdefgh",)) == "token *** rejected"


def test_storage_options_parse_and_scope() -> None:
    options = parse_storage_options(
        ["anon=true", "s3.endpoint_url=http://127.0.0.1:9000", "gs.token=anon",
         'client_kwargs={"region_name": "eu-west-1"}', "profile=dev"]
    )  # fmt: skip
    assert options_for(options, "s3") == {
        "anon": True, "endpoint_url": "http://127.0.0.1:9000",
        "client_kwargs": {"region_name": "eu-west-1"}, "profile": "dev",
    }  # fmt: skip
    assert options_for(options, "gcs")["token"] == "anon"
    assert "endpoint_url" not in options_for(options, "ssh")


def test_malformed_storage_option_names_only_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SourceError, match="expected KEY=VALUE"):
        parse_storage_options(["secretvalue"])
    assert main(["ls", "s3://b/x", "--storage-option", "oops"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_unknown_protocol_is_one_clear_line() -> None:
    with pytest.raises(SourceError, match=r"nosuch://x/y: cannot read nosuch:// roots"):
        open_remote("nosuch://x/y")


def test_s3_endpoint_and_keys_from_the_environment(
    s3_backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"env-{uuid.uuid4().hex[:8]}"
    w = SummaryWriter(str(tmp_path / "logs" / "run"))
    w.add_scalar("loss", 0.25, 7)
    w.close()
    s3_backend.publish(tmp_path / "logs", prefix)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_backend.options["endpoint_url"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    out = tmp_path / "export.csv"
    assert main(["export", s3_backend.url(prefix), "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text().splitlines()[1].startswith("run,loss,7,0.25,")
