"""Hparams spelled in run directories' names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.writers import any_summary_writer
from tfwatch.ingest.path_hparams import hparams_from_path, parse_value
from tfwatch.loading import load_once


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("lr=1e-4_bs=32", {"lr": 1e-4, "bs": 32.0}),
        ("live/bert_lr=1e-4_bs=32", {"lr": 1e-4, "bs": 32.0}),  # the run's name before it
        ("lr=0.1,batch_size=32,opt=adam", {"lr": 0.1, "batch_size": 32.0, "opt": "adam"}),
        ("sweep/opt=adam/lr=0.1", {"opt": "adam", "lr": 0.1}),  # one pair per part
        ("x/max_seq_len=128-lr=3e-4", {"max_seq_len": 128.0, "lr": 3e-4}),
        ("my_batch_size=8", {"batch_size": 8.0}),
        ("warmup=-1_amp=true_sched=cosine_v2", {"warmup": -1.0, "amp": True,
                                                 "sched": "cosine_v2"}),
        ("lr=0.1_final", {"lr": 0.1}),  # a number ends at its separator
        ("sweep/lr_0.01_wd_1e-4", {"lr": 0.01, "wd": 1e-4}),  # well-known name_number
        ("run_1/resnet_50/seed_3/v_1.5", {}),  # name_number: not an hparam otherwise
        ("lr=/=3/a==b", {}),
        ("2024-01-05/exp", {}),
    ],
)  # fmt: skip
def test_pairs_from_path_parts(path: str, want: dict[str, object]) -> None:
    got = hparams_from_path(path)
    assert got == pytest.approx(want) if want else got == {}
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}


def test_values_are_numbers_booleans_or_text() -> None:
    assert parse_value("1e-4") == 1e-4 and parse_value("-3") == -3.0
    assert parse_value("True") is True and parse_value("false") is False
    assert parse_value("adam") == "adam" and parse_value("1.2.3") == "1.2.3"


def test_runs_carry_path_hparams_and_the_writer_s_win(tmp_path: Path) -> None:
    """Written by the real PyTorch writer: the path says lr=1e-4, add_hparams says 2e-4."""
    SummaryWriter = any_summary_writer()

    for name in ("live/bert_lr=1e-4_bs=32", "live/bert_lr=1e-4_bs=64"):
        with SummaryWriter(str(tmp_path / name)) as writer:
            writer.add_scalar("loss", 1.0, 0)
            if name.endswith("64"):
                writer.add_hparams({"lr": 2e-4, "opt": "adam"}, {"hparam/loss": 0.5})
    runs = load_once([str(tmp_path)]).runs
    assert runs["live/bert_lr=1e-4_bs=32"].hparams == pytest.approx({"lr": 1e-4, "bs": 32.0})
    assert runs["live/bert_lr=1e-4_bs=64"].hparams == {
        "lr": pytest.approx(2e-4),
        "bs": 64.0,
        "opt": "adam",
    }
