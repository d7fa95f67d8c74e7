"""Groups built by the session from a real seeded sweep: tensorboardX's add_hparams,
TensorBoard's hparams API and writer, and hparams in directory names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.live.passes import publish_once
from tests.writers import SEED_SWEEP, seed_sweep_loss, write_seed_sweep
from tfwatch.analysis.grouping import parse_group_by
from tfwatch.live.factory import open_session
from tfwatch.live.group_view import Grouping, GroupSummary


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds")
    write_seed_sweep(root)
    return root


def _by_label(grouping: Grouping | None) -> dict[str, GroupSummary]:
    assert grouping is not None
    return {g.label: g for g in grouping.groups}


def test_seeds_of_one_configuration_group_across_writers(sweep: Path) -> None:
    session = open_session([str(sweep)], live=False, system=False, metrics=["train/loss"])
    session.set_grouping(parse_group_by("hparams"))
    groups = _by_label(publish_once(session).groups)
    assert sorted(groups) == ["bs=32 lr=0.1", "lr=0.001 opt=sgd", "lr=0.01 opt=adam"]
    adam = groups["lr=0.01 opt=adam"]
    assert sorted(adam.members) == ["tb/t0", "tbx/r0", "tbx/r1"]  # seed and Trial left out
    stats = adam.metrics["train/loss"].stats
    lasts = [seed_sweep_loss(0.01, s, n - 1) for _, _, lr, _, s, n, _ in SEED_SWEEP if lr == 1e-2]
    assert stats.n == 3 and stats.last_mean == pytest.approx(sum(lasts) / 3)
    assert stats.last_min == pytest.approx(min(lasts))
    assert stats.last_max == pytest.approx(max(lasts))
    # The row sorts like a run: its value is the mean of the members' last values.
    assert adam.row.metrics["train/loss"].last_value == pytest.approx(stats.last_mean)
    assert adam.row.last_step == 29


def test_a_nan_member_is_counted_and_flagged_not_averaged(sweep: Path) -> None:
    session = open_session([str(sweep)], live=False, system=False, metrics=["train/loss"])
    session.set_grouping(parse_group_by("hparams"))
    sgd = _by_label(publish_once(session).groups)["lr=0.001 opt=sgd"]
    stats = sgd.metrics["train/loss"].stats
    assert (stats.count, stats.n, stats.nonfinite) == (3, 2, 1)
    assert math.isfinite(stats.last_mean)
    assert sgd.alerting >= 1 and dict(sgd.alert_counts).get("nan") == 1


def test_members_of_different_lengths_narrow_the_band(sweep: Path) -> None:
    session = open_session([str(sweep)], live=False, system=False, metrics=["train/loss"])
    publish_once(session)
    grouping = session.groups(parse_group_by("dir"))
    groups = _by_label(grouping)
    dirs = groups["dirs/lr=0.1_bs=32"]
    assert dirs.count == 3 and dirs.metrics["train/loss"].spark.strip()
    from tfwatch.live.group_view import member_band

    with session.tailer.lock:
        band = member_band("train/loss", list(dirs.members), session.tailer.runs)
    assert band.count[0] == 3 and band.count[-1] == 1  # runs of 20, 15 and 10 steps
    assert band.narrows_at == [(10, 2), (15, 1)]


def test_grouping_by_a_regex_and_by_keys(sweep: Path) -> None:
    session = open_session([str(sweep)], live=False, system=False, metrics=["train/loss"])
    publish_once(session)
    by_writer = _by_label(session.groups(parse_group_by(r"re:^(?P<writer>[a-z]+)/")))
    counts = {k: v.count for k, v in by_writer.items()}
    assert counts == {"writer=dirs": 3, "writer=tb": 3, "writer=tbx": 3}
    by_lr = _by_label(session.groups(parse_group_by("lr")))
    assert {k: v.count for k, v in by_lr.items()} == {"lr=0.001": 3, "lr=0.01": 3, "lr=0.1": 3}
