"""Roots for the hardening tests: every kind of damage, and hostile names and text
(built by :mod:`tests.hardening.hostile_inputs`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.hardening.hostile_inputs import (
    HOSTILE,
    clean_event_bytes,
    damaged_cases,
    hostile_writer,
    replace_in_payloads,
)


@pytest.fixture(scope="session")
def damaged_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with one run per kind of damage (see :func:`damaged_cases`)."""
    root = tmp_path_factory.mktemp("damaged")
    clean = clean_event_bytes(root / "_seed")
    # Damaged at rest: an hour untouched, so a record cut short at the end is damage,
    # not a tail its writer has yet to flush.
    an_hour_ago = time.time() - 3600
    for name, (data, _) in damaged_cases(clean).items():
        (root / name).mkdir()
        event_file = root / name / "events.out.tfevents.1700000000.host"
        event_file.write_bytes(data)
        os.utime(event_file, (an_hour_ago, an_hour_ago))
    return root


@pytest.fixture(scope="session")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run per :data:`HOSTILE` string (in its directory name, tags, text and hparams),
    plus a directory whose name is not valid UTF-8."""
    root = tmp_path_factory.mktemp("hostile")
    write = hostile_writer(root)
    for key, text in HOSTILE.items():
        write(f"{key}-{text}".replace("/", "_")[:200], text)
    # Writers refuse invalid UTF-8 (protobuf checks it, and TensorBoard's writer cannot
    # open such a path), but any program can write the bytes: rename the run and turn the
    # marker into invalid UTF-8 in the stored tags, text and hparams.
    write("bad-utf8", "~~~")
    for path in (root / "bad-utf8").iterdir():
        path.write_bytes(replace_in_payloads(path.read_bytes(), b"~~~", b"\xff\xfe\xfd"))
    os.rename(os.fsencode(root / "bad-utf8"), os.fsencode(root) + b"/bad-utf8-\xff\xfe")
    return root
