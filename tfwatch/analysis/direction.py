"""Which way is better for a metric, read from its tag name.

A tag is cut into words (``train/top5_error`` → train, top5, error; ``valAccuracy`` →
val, accuracy) and the last word with a known meaning decides: in English compounds the
head noun comes last (``reward_loss`` is a loss). Explicit glob patterns from the config
override the guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from tfwatch.tag_patterns import matches_any


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words naming a quantity where lower is better. "time"-like words are costs: their
# direction is known, but the health detectors leave them alone by default.
_LOWER_METRIC = _words(
    """loss losses error errors err perplexity ppl mse mae rmse rmsle msle mape smape wer cer
    ter nll bpd bpc fid kid regret lpips chamfer"""
)
_LOWER_COST = _words("time latency duration seconds secs ms")
_HIGHER = _words(
    """acc accuracy auc auroc auprc roc f1 fscore f1score precision prec recall map ap
    bleu rouge rougel rougelsum meteor cider chrf iou miou dice reward rewards return
    returns score r2 psnr ssim ndcg mrr hit hits hitrate kappa mcc spearman pearson
    corr correlation em exactmatch success winrate top1 top5"""
)
# Words that mark an evaluation metric: computed once per evaluation, not per batch.
_EVAL = _words("val valid validation eval evaluation test dev holdout epoch")

_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TRAILING_DIGITS = re.compile(r"^([a-z]+?)\d+$")


def tag_words(tag: str) -> list[str]:
    """The lowercase words of a tag: split on punctuation and camelCase boundaries."""
    words: list[str] = []
    for part in _SPLIT.split(tag):
        if not part:
            continue
        # Whole lowercase part first ("mAP" → "map"), then its camelCase pieces.
        pieces = [p.lower() for p in _CAMEL.split(part) if p]
        if len(pieces) > 1 and part.lower() in _KNOWN:
            words.append(part.lower())
        else:
            words.extend(pieces)
    return words


_KNOWN = _LOWER_METRIC | _LOWER_COST | _HIGHER


def _meaning(word: str) -> str | None:
    """'lower', 'cost', 'higher' or None for one word (``acc1``, ``rouge2`` → base word)."""
    for candidate in (word, _base(word)):
        if candidate in _HIGHER:
            return "higher"
        if candidate in _LOWER_METRIC:
            return "lower"
        if candidate in _LOWER_COST:
            return "cost"
    return None


def _base(word: str) -> str:
    m = _TRAILING_DIGITS.match(word)
    return m.group(1) if m else word


@lru_cache(maxsize=8192)  # tags repeat on every refresh; the answer never changes
def _last_meaning(tag: str) -> str | None:
    for word in reversed(tag_words(tag)):
        meaning = _meaning(word)
        if meaning is not None:
            return meaning
    return None


def infer_direction(tag: str) -> bool | None:
    """True if the name says higher is better, False if lower, None if it does not say."""
    meaning = _last_meaning(tag)
    if meaning is None:
        return None
    return meaning == "higher"


def higher_is_better(tag: str, maximize: Iterable[str] = (), minimize: Iterable[str] = ()) -> bool:
    """Whether larger values of ``tag`` are better.

    Explicit patterns win (``maximize`` before ``minimize``); otherwise the name decides;
    unknown names default to lower-is-better, the common case for unlabelled scalars.
    """
    if matches_any(tag, maximize):
        return True
    if matches_any(tag, minimize):
        return False
    return bool(infer_direction(tag))


def is_quality_metric(tag: str, maximize: Iterable[str] = (), minimize: Iterable[str] = ()) -> bool:
    """Whether ``tag`` measures model quality (a loss, an error, an accuracy…).

    These are the tags the trend detectors (diverging, plateau, oscillating) watch by
    default; costs such as ``step_time`` have a direction but are not judged.
    """
    if matches_any(tag, maximize) or matches_any(tag, minimize):
        return True
    return _last_meaning(tag) in ("lower", "higher")


@lru_cache(maxsize=8192)
def is_eval_metric(tag: str) -> bool:
    """Whether ``tag`` names a per-evaluation metric (``val_loss``, ``eval/acc``, ``epoch_…``)."""
    return any(word in _EVAL for word in tag_words(tag))
