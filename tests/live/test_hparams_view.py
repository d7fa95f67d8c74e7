"""The hparams view's table, over the runs of a real seeded sweep."""

from __future__ import annotations

import math

import pytest

from tests.live.passes import publish_once
from tests.writers import write_seed_sweep
from tfwatch.analysis.grouping import parse_group_by
from tfwatch.live.factory import open_session
from tfwatch.live.hparams_view import BEST, POOR, hparams_table, sort_rows
from tfwatch.live.session import LiveSession


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> LiveSession:
    root = tmp_path_factory.mktemp("seeds")
    write_seed_sweep(root)
    session = open_session([str(root)], live=False, system=False, metrics=["train/loss"])
    publish_once(session)
    return session


def test_rows_columns_constants_and_importance(session: LiveSession) -> None:
    assert session.latest is not None
    snap = session.latest.snapshot
    adam = [r for r in snap.runs.values() if r.hparams.get("opt") == "adam"]
    table = hparams_table(adam, snap.metrics)
    assert table.constant == {"lr": pytest.approx(0.01), "opt": "adam"}  # folded
    assert set(table.varying) == {"seed", "Trial"}  # shown: they differ between rows
    everything = hparams_table(snap.runs.values(), snap.metrics)
    imp = everything.importance
    assert imp is not None and [e.name for e in imp.effects] == ["lr", "opt"]  # no seeds
    lr = imp.effects[0]
    assert lr.n == 8 and lr.rho is not None and lr.rho < -0.9  # the NaN run is left out
    assert everything.best == "dirs/lr=0.1_bs=32/seed=0" == imp.best_run


def test_sorting_quality_and_missing_values(session: LiveSession) -> None:
    assert session.latest is not None
    snap = session.latest.snapshot
    table = hparams_table(snap.runs.values(), snap.metrics)
    by_loss = [r.key for r in sort_rows(table, None)]
    assert by_loss[0] == table.best and by_loss[-1] == "tb/t2"  # NaN last
    by_lr = sort_rows(table, "lr")
    assert [r.hparams["lr"] for r in by_lr[:3]] == [pytest.approx(0.001)] * 3
    down = sort_rows(table, "lr", reverse=True)
    assert down[0].hparams["lr"] == pytest.approx(0.1)
    by_opt = sort_rows(table, "opt")
    assert [r.hparams.get("opt") for r in by_opt][-3:] == [None] * 3  # missing last
    rows = {r.key: r for r in table.rows}
    assert table.quality(rows[table.best or ""], "train/loss") == BEST
    assert table.quality(rows["tb/t1"], "train/loss") == POOR
    assert table.quality(rows["tb/t2"], "train/loss") is None  # NaN: no rank


def test_group_rows_use_the_members_mean(session: LiveSession) -> None:
    assert session.latest is not None
    grouping = session.groups(parse_group_by("hparams"))
    assert grouping is not None
    snap = session.latest.snapshot
    table = hparams_table(snap.runs.values(), snap.metrics, grouping.groups)
    assert len(table.rows) == 3 and all(r.count == 3 for r in table.rows)
    sgd = next(r for r in table.rows if r.hparams.get("opt") == "sgd")
    assert math.isfinite(sgd.values["train/loss"])  # the NaN member is not averaged in


def test_add_hparams_metrics_are_columns(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.writers import HPARAMS_SWEEP, write_hparams_sweep

    root = tmp_path_factory.mktemp("hparams")
    write_hparams_sweep(root)
    session = open_session([str(root)], live=False, system=False, metrics=["train/loss"])
    snap = publish_once(session).snapshot
    table = hparams_table(snap.runs.values(), snap.metrics)
    assert table.metrics == ("train/loss", "hparam/accuracy")
    assert table.higher["hparam/accuracy"] and not table.higher["train/loss"]
    rows = {r.key: r for r in table.rows}
    for _, name, _, _, accuracy, _ in HPARAMS_SWEEP:
        assert rows[name].values["hparam/accuracy"] == pytest.approx(accuracy)
    best_acc = sort_rows(table, "hparam/accuracy", reverse=True)[0]
    assert best_acc.key == "tbx/c"  # 0.85, the highest
    assert table.quality(best_acc, "hparam/accuracy") == BEST
