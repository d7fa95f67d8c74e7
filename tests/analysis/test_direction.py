"""Direction of a metric from its tag name, and glob overrides."""

from __future__ import annotations

import pytest

from tfwatch.analysis.direction import (
    higher_is_better,
    infer_direction,
    is_eval_metric,
    is_quality_metric,
    matches_any,
    tag_words,
)


@pytest.mark.parametrize(
    "tag",
    ["loss", "epoch_loss", "train/loss", "val_loss", "Loss/test", "top5_error", "valLoss",
     "perplexity", "eval/ppl", "mse", "val/rmse", "wer", "cer", "nll", "step_time",
     "reward_loss", "heatmap_loss", "FID"],
)  # fmt: skip
def test_lower_is_better(tag: str) -> None:
    assert infer_direction(tag) is False
    assert higher_is_better(tag) is False


@pytest.mark.parametrize(
    "tag",
    ["acc", "accuracy", "val_accuracy", "train/acc@1", "acc1", "top1", "valAccuracy", "mAP",
     "eval/mAP@0.5", "auc", "val/f1", "F1Score", "precision", "recall@10", "bleu4", "rouge2",
     "miou", "dice", "episode_reward", "eval/return", "score"],
)  # fmt: skip
def test_higher_is_better(tag: str) -> None:
    assert infer_direction(tag) is True
    assert higher_is_better(tag) is True


@pytest.mark.parametrize("tag", ["lr", "learning_rate", "grad_norm", "throughput", "heatmap"])
def test_unknown_names_default_to_lower_and_are_not_quality_metrics(tag: str) -> None:
    assert infer_direction(tag) is None
    assert higher_is_better(tag) is False
    assert not is_quality_metric(tag)


def test_words_respect_boundaries_not_substrings() -> None:
    assert tag_words("train/top5_error") == ["train", "top5", "error"]
    assert tag_words("valAccuracy") == ["val", "accuracy"]
    # "map" inside "heatmap" and "loss" inside "lossless" are not words.
    assert infer_direction("heatmap") is None
    assert infer_direction("lossless_ratio") is None


def test_the_last_meaningful_word_decides() -> None:
    assert infer_direction("accuracy_loss") is False
    assert infer_direction("loss/accuracy") is True


def test_costs_have_a_direction_but_are_not_judged() -> None:
    assert higher_is_better("time/step") is False
    assert not is_quality_metric("time/step")
    assert is_quality_metric("val/loss")


def test_explicit_patterns_override_the_name() -> None:
    assert higher_is_better("custom/metric", maximize=["custom/*"]) is True
    assert higher_is_better("val_acc", minimize=["*acc"]) is False
    assert higher_is_better("val_acc", maximize=["*acc"], minimize=["*acc"]) is True
    assert is_quality_metric("custom/metric", minimize=["custom/*"])


def test_patterns_are_case_insensitive_and_may_match_the_leaf() -> None:
    assert matches_any("metrics/Val_Loss", ["val_*"])
    assert not matches_any("metrics/val_loss", ["train/*"])
    assert matches_any("metrics/val_loss", ["metrics/*"])


def test_eval_metrics() -> None:
    for tag in ["val_loss", "eval/accuracy", "Loss/test", "epoch_accuracy", "validation/f1"]:
        assert is_eval_metric(tag), tag
    for tag in ["loss", "train/acc", "batch_loss"]:
        assert not is_eval_metric(tag), tag
