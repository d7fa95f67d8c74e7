"""Event files written by every real writer decode to exactly what the writer was given.

The files under ``tests/fixtures/writers`` were written by TF2 ``tf.summary``, Keras,
TF1's ``FileWriter``, PyTorch's ``SummaryWriter``, tensorboardX and TensorBoard's own
writer (``tests/fixtures/make_writer_fixtures.py`` regenerates them); ``EXPECTED.json``
holds what each writer was told to write, bit for bit, per directory. ``add_hparams``
writes a directory of its own below the run (see :mod:`tfwatch.ingest.hparams_sessions`):
tfwatch folds it into that run, and the oracle's entries are folded the same way here.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import pytest

from tfwatch.loading import load_once
from tfwatch.store.runs import Run

WRITERS = Path(__file__).parent.parent / "fixtures" / "writers"
ON_DISK: dict[str, Any] = json.loads((WRITERS / "EXPECTED.json").read_text())["runs"]


def _folded(on_disk: dict[str, Any]) -> dict[str, Any]:
    """The oracle's directories as tfwatch's runs: an add_hparams directory's hparams go
    to the run above it and its scalars become that run's final metrics."""
    runs = {n: dict(w, final_metrics={}) for n, w in on_disk.items() if not _session(w)}
    for name, want in on_disk.items():
        if _session(want):
            parent = runs[name.rsplit("/", 1)[0]]
            parent["hparams"] = {**parent.get("hparams", {}), **want["hparams"]}
            parent["final_metrics"] = {t: p[-1][1] for t, p in want["scalars"].items()}
    return runs


def _session(want: dict[str, Any]) -> bool:
    return bool(want["writer"].endswith(".add_hparams"))


EXPECTED = _folded(ON_DISK)


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    return load_once([str(WRITERS)], retain_all=True).runs


def _bits(value: float | str) -> bytes:
    return struct.pack("<d", float(value))


def test_every_run_directory_is_found(runs: dict[str, Run]) -> None:
    assert sorted(runs) == sorted(EXPECTED)
    # Both add_hparams layouts (PyTorch's run_name=, tensorboardX's name=) were folded.
    assert {n for n, w in ON_DISK.items() if _session(w)} == {
        "tensorboardx/hparams",
        "torch_writer/hparams",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scalars_bit_for_bit(runs: dict[str, Run], name: str) -> None:
    run, want = runs[name], EXPECTED[name]
    assert sorted(run.scalars) == sorted(want["scalars"])
    for tag, points in want["scalars"].items():
        pts = run.scalars[tag].recent()
        got = list(zip(pts.steps.tolist(), pts.values.tolist(), strict=True))
        assert [s for s, _ in got] == [s for s, _ in points], tag
        for (_, v), (_, w) in zip(got, points, strict=True):
            # Bit equality keeps -0.0 apart from 0.0; NaN payloads are not compared.
            assert (math.isnan(v) and math.isnan(float(w))) or _bits(v) == _bits(w), (tag, v, w)
    assert not run.damage


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_histograms_text_images_hparams(runs: dict[str, Run], name: str) -> None:
    run, want = runs[name], EXPECTED[name]
    assert sorted(run.histograms) == want["histograms"]
    assert sorted(run.text_tags) == want["texts"]
    assert sorted(run.image_tags) == want["images"]
    assert run.hparams == want.get("hparams", {})
    assert run.final_metrics == want["final_metrics"]
