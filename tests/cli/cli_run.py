"""Run ``tfwatch`` commands in this process with a strict UTF-8 standard output."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from tfwatch.cli import main


@dataclass(frozen=True)
class CliResult:
    """Exit status and what the command wrote."""

    status: int
    out: str
    err: str


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str) -> CliResult:
    """``tfwatch argv…``: stdout is strict UTF-8, as under a UTF-8 locale with a pipe, so
    a string that cannot be written (an undecodable file name) fails here as it would
    for users."""
    raw_out, raw_err = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(raw_out, encoding="utf-8", errors="strict", newline="")
    err = io.TextIOWrapper(raw_err, encoding="utf-8", errors="strict", newline="")
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", out)
        m.setattr(sys, "stderr", err)
        status = main(list(argv))
        out.flush()
        err.flush()
    # Decoding strictly proves the bytes written are valid UTF-8.
    return CliResult(status, raw_out.getvalue().decode("utf-8"), raw_err.getvalue().decode())
