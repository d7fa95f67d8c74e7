"""``--node DEST``: accepted by the app and ``ls``, checked when the command line is read."""

from __future__ import annotations

import pytest

from tfwatch.cli.parser import parse_args


def test_node_is_repeatable_for_ls_and_the_app() -> None:
    nodes = ["gpu1", "alice@gpu2.cluster", "ssh://bob@10.0.0.7:2222", "trainbox"]
    flags = [arg for node in nodes for arg in ("--node", node)]
    assert parse_args(["ls", "/logs", *flags]).nodes == nodes
    assert parse_args(["/logs", *flags]).nodes == nodes
    assert parse_args(["ls", "/logs"]).nodes == []


@pytest.mark.parametrize("bad", ["alice@gpu1:2222", "http://gpu1", "gpu 1", "/abs/path", ""])
def test_a_malformed_node_is_one_line_and_exit_2(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["ls", "/logs", "--node", bad])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith("expected [USER@]HOST or ssh://[USER@]HOST[:PORT]")
    assert "Traceback" not in err
