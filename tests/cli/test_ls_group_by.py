"""``tfwatch ls --group-by`` over a real seeded sweep (tensorboardX's add_hparams,
TensorBoard's hparams API and writer, hparams in directory names)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.writers import SEED_SWEEP, seed_sweep_loss, write_seed_sweep


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds")
    write_seed_sweep(root)
    return root


def test_json_groups_by_hparams_except_seeds(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(monkeypatch, "ls", str(sweep), "--group-by", "hparams", "--json")
    assert result.status == 0, result.err
    groups = {g["label"]: g for g in json.loads(result.out)["groups"]}
    assert sorted(groups) == ["bs=32 lr=0.1", "lr=0.001 opt=sgd", "lr=0.01 opt=adam"]
    adam = groups["lr=0.01 opt=adam"]
    assert adam["key"] == {"lr": 0.01, "opt": "adam"}
    assert adam["runs"] == ["tb/t0", "tbx/r0", "tbx/r1"] and adam["count"] == 3
    lasts = [seed_sweep_loss(lr, s, n - 1) for _, _, lr, _, s, n, _ in SEED_SWEEP if lr == 1e-2]
    loss = adam["metrics"]["train/loss"]
    assert loss["last_mean"] == pytest.approx(statistics.mean(lasts), rel=1e-6)
    assert loss["last_std"] == pytest.approx(statistics.stdev(lasts), rel=1e-5)
    assert loss["last_min"] == pytest.approx(min(lasts), rel=1e-6)
    assert loss["last_max"] == pytest.approx(max(lasts), rel=1e-6)
    assert loss["best_mean"] == pytest.approx(statistics.mean(lasts), rel=1e-6)  # decreasing
    sgd = groups["lr=0.001 opt=sgd"]["metrics"]["train/loss"]
    assert (sgd["n"], sgd["nonfinite"]) == (2, 1)  # the NaN member is counted, not averaged


def test_json_spells_a_group_without_finite_values_as_export_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tensorboardX import SummaryWriter

    for seed in (1, 2):
        with SummaryWriter(str(tmp_path / f"lr=0.1_seed={seed}")) as writer:
            writer.add_scalar("loss", float("nan"), 0)
    result = run_cli(monkeypatch, "ls", str(tmp_path), "--group-by", "lr", "--json")
    (group,) = json.loads(result.out)["groups"]
    assert group["count"] == 2 and group["metrics"]["loss"]["last_mean"] == "NaN"
    assert group["metrics"]["loss"]["last_std"] == "NaN"


def test_table_by_directory_regex_and_tags(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(monkeypatch, "ls", str(sweep), "--group-by", "dir")
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["GROUP", "RUNS", "train/loss"]
    assert [ln.split()[0] for ln in lines[1:]] == ["dirs/lr=0.1_bs=32", "tb", "tbx"]
    by_re = run_cli(monkeypatch, "ls", str(sweep), "--group-by", "re:^(t[a-z]*)/", "--tags", "loss")
    assert [ln.split()[0] for ln in by_re.out.splitlines()[1:]] == ["$1=tb", "$1=tbx", "(other)"]
    assert "2/3" in by_re.out  # tb's NaN member: two of three finite


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--group-by", "re:("], "bad regex"),
        (["--group-by", "lr", "--csv"], "not --csv"),
    ],
)
def test_bad_group_by_is_one_line(
    sweep: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    result = run_cli(monkeypatch, "ls", str(sweep), *argv)
    assert result.status == 2 and message in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
