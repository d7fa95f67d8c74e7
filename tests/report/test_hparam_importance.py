"""Spearman's rho and the hparam effects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tfwatch.report.hparam_importance import hparam_importance, rank, spearman


def test_spearman_matches_the_no_ties_formula() -> None:
    rng = np.random.default_rng(7)
    for n in (3, 5, 12, 40):
        x, y = rng.normal(size=n), rng.normal(size=n)
        d = rank(x) - rank(y)
        expected = 1 - 6 * float((d * d).sum()) / (n * (n * n - 1))
        assert spearman(x, y) == pytest.approx(expected)


def test_spearman_is_a_rank_statistic() -> None:
    x = np.array([0.001, 0.003, 0.01, 0.03, 0.1, 0.3])
    y = np.array([0.9, 0.7, 0.75, 0.5, 0.4, 0.1])
    rho = spearman(x, y)
    assert spearman(np.log(x), y) == pytest.approx(rho)
    assert spearman(x, -y) == pytest.approx(-rho)
    assert spearman(x, x**3) == pytest.approx(1.0)
    assert math.isnan(spearman(x, np.ones_like(x)))


def test_ties_share_their_average_rank() -> None:
    assert rank([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert rank([5, 5, 5]).tolist() == [2.0, 2.0, 2.0]


def test_effects_and_best_configuration() -> None:
    lrs = [0.001, 0.01, 0.1, 0.3, 1.0]
    hp = {
        f"r{i}": {"lr": lr, "optimizer": "adam" if i % 2 else "sgd", "seed": 1.0, "aug": i > 2}
        for i, lr in enumerate(lrs)
    }
    scores = {f"r{i}": s for i, s in enumerate([0.5, 0.6, 0.7, 0.8, math.nan])}
    imp = hparam_importance("val/acc", True, hp, scores)
    effects = {e.name: e for e in imp.effects}
    assert "seed" not in effects  # constant: says nothing
    assert effects["lr"].n == 4 and effects["lr"].rho == pytest.approx(1.0)
    assert effects["lr"].strength == "strong"
    assert effects["aug"].rho == pytest.approx(spearman([0, 0, 0, 1], [0.5, 0.6, 0.7, 0.8]))
    opt = effects["optimizer"]
    assert opt.rho is None and opt.best_level == "adam"
    assert opt.best_level_mean == pytest.approx(np.mean([0.6, 0.8])) and opt.best_level_n == 2
    assert imp.best_run == "r3" and imp.best_value == 0.8 and imp.best_config == hp["r3"]
    assert [e.name for e in imp.effects][-1] == "optimizer"  # coefficients come first


def test_lower_is_better_and_too_few_runs() -> None:
    hp = {"a": {"lr": 0.1}, "b": {"lr": 0.2}}
    imp = hparam_importance("loss", False, hp, {"a": 2.0, "b": 1.0})
    assert imp.best_run == "b"
    (effect,) = imp.effects
    assert effect.n == 2 and effect.rho is None and effect.strength == "-"
