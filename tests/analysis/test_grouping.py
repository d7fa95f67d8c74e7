"""Group keys: seeds left out by name, directories, regex captures, named keys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tfwatch.analysis.config import ConfigError, config_from_dict
from tfwatch.analysis.group_stats import MetricStats, aligned_band
from tfwatch.analysis.grouping import (
    GroupBy,
    GroupByError,
    group_key,
    group_runs,
    is_seed_key,
    key_label,
    parse_group_by,
)


@pytest.mark.parametrize(
    "name",
    ["seed", "SEED", "data_seed", "Init_Seed", "rng", "trial", "Trial", "run", "rep", "fold"],
)
def test_seed_like_keys_are_recognised_whatever_their_case(name: str) -> None:
    assert is_seed_key(name)


@pytest.mark.parametrize("name", ["lr", "seeds_used", "runner", "fold_size", "repeat", "opt"])
def test_other_keys_are_not_seeds(name: str) -> None:
    assert not is_seed_key(name)


def test_hparams_grouping_leaves_seeds_out() -> None:
    spec = parse_group_by("hparams")
    a = group_key(spec, "x/a", {"lr": 0.1, "seed": 1.0, "opt": "adam"})
    b = group_key(spec, "y/b", {"opt": "adam", "lr": 0.1, "Trial": 7.0})
    assert a == b == (("lr", 0.1), ("opt", "adam"))
    assert key_label(a) == "lr=0.1 opt=adam"


def test_the_config_replaces_the_seed_keys() -> None:
    config = config_from_dict({"groups": {"seed_keys": ["replica"]}})
    spec = parse_group_by("hparams", config.seed_keys)
    assert group_key(spec, "a", {"lr": 1.0, "replica": 2.0, "seed": 3.0}) == (
        ("lr", 1.0),
        ("seed", 3.0),
    )
    with pytest.raises(ConfigError, match=r"groups\.seed_keys"):
        config_from_dict({"groups": {"seed_keys": 3}})


def test_directory_regex_and_named_keys() -> None:
    runs = [
        ("sweep/lr=0.1/seed=1", {"lr": 0.1, "seed": 1.0}),
        ("sweep/lr=0.1/seed=2", {"lr": 0.1, "seed": 2.0}),
        ("sweep/lr=0.2/seed=1", {"lr": 0.2, "seed": 1.0}),
        ("baseline", {}),
    ]
    by_dir = group_runs(parse_group_by("dir"), runs)
    assert list(by_dir.values()) == [
        ["sweep/lr=0.1/seed=1", "sweep/lr=0.1/seed=2"],
        ["sweep/lr=0.2/seed=1"],
        ["baseline"],
    ]
    assert [key_label(k) for k in by_dir] == ["sweep/lr=0.1", "sweep/lr=0.2", "."]
    by_re = group_runs(parse_group_by("re:lr=([^/]+)"), runs)
    assert [key_label(k) for k in by_re] == ["$1=0.1", "$1=0.2", "(other)"]
    named = group_runs(parse_group_by(r"re:lr=(?P<lr>[^/]+)"), runs)
    assert [key_label(k) for k in named] == ["lr=0.1", "lr=0.2", "(other)"]
    keys = group_runs(parse_group_by("lr"), runs)
    assert [len(v) for v in keys.values()] == [2, 1, 1]
    assert key_label(next(reversed(keys))) == "lr=-"


@pytest.mark.parametrize(
    ("text", "message"),
    [("re:(", "bad regex"), ("re:lr", "captures nothing"), ("", "empty"), (" , ", "no key")],
)
def test_unusable_group_by_says_why(text: str, message: str) -> None:
    with pytest.raises(GroupByError, match=message):
        parse_group_by(text)


def test_group_by_spellings() -> None:
    assert parse_group_by("lr, opt") == GroupBy("keys", keys=("lr", "opt"))
    assert parse_group_by("dir").label == "parent directory"


def test_stats_count_a_nan_member_without_averaging_it_in() -> None:
    s = MetricStats.of([1.0, 3.0, math.nan], [0.5, 1.0, 0.2])
    assert (s.count, s.n, s.nonfinite) == (3, 2, 1)
    assert s.last_mean == 2.0 and s.last_min == 1.0 and s.last_max == 3.0
    assert s.last_std == pytest.approx(math.sqrt(2.0))
    assert s.best_mean == pytest.approx((0.5 + 1.0 + 0.2) / 3)
    one = MetricStats.of([4.0], [4.0])
    assert one.last_mean == 4.0 and math.isnan(one.last_std)
    none = MetricStats.of([math.nan], [math.nan])
    assert math.isnan(none.last_mean) and none.n == 0


def test_band_narrows_to_the_members_that_reached_each_step() -> None:
    long = (np.arange(0, 10, dtype=np.int64), np.arange(10, dtype=np.float64))
    short = (np.arange(0, 5, dtype=np.int64), np.full(5, 100.0))
    late = (np.arange(6, 10, dtype=np.int64), np.full(4, -1.0))
    band = aligned_band([long, short, late])
    assert band.steps.tolist() == list(range(10))
    assert band.count.tolist() == [2, 2, 2, 2, 2, 1, 2, 2, 2, 2]
    assert band.mean[0] == 50.0 and band.mean[5] == 5.0 and band.mean[9] == 4.0
    assert band.low[2] == 2.0 and band.high[2] == 100.0
    assert math.isnan(band.std[5]) and band.narrows_at == [(5, 1), (6, 2)]


def test_band_holds_the_last_value_between_a_members_points() -> None:
    dense = (np.arange(0, 11, dtype=np.int64), np.zeros(11))
    sparse = (np.array([0, 10], dtype=np.int64), np.array([4.0, 8.0]))
    band = aligned_band([dense, sparse])
    assert band.mean[5] == 2.0 and band.count[5] == 2  # sparse still holds 4.0 at step 5
    assert band.mean[10] == 4.0


def test_band_of_many_points_keeps_its_grid_bounded() -> None:
    members = [(np.arange(0, 10_000, 3, dtype=np.int64), np.ones(3334)) for _ in range(3)]
    band = aligned_band(members, points=100)
    assert len(band) == 100 and band.steps[0] == 0 and band.steps[-1] == 9999
    assert np.all(band.mean == 1.0) and np.all(band.count == 3)


def test_short_labels_drop_the_pairs_every_group_shares() -> None:
    from tfwatch.analysis.grouping import short_labels

    a = (("bs", 128.0), ("lr", 0.1), ("opt", "adam"))
    b = (("bs", 128.0), ("lr", 0.03), ("opt", "sgd"))
    c = (("bs", 128.0), ("lr", 0.01), ("opt", "adam"))
    assert list(short_labels([a, b, c]).values()) == [
        "lr=0.1 opt=adam",
        "lr=0.03 opt=sgd",
        "lr=0.01 opt=adam",
    ]
    assert short_labels([a]) == {a: "bs=128 lr=0.1 opt=adam"}  # alone: nothing to drop
    assert short_labels([a, a[:1]])[a[:1]] == "bs=128"  # left with nothing: keeps its label
