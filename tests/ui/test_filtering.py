"""The filter grammar over runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tfwatch.filtering import fuzzy_match, parse_filter


@dataclass
class FakeRunRecord:
    """A plain record with the fields the filter reads (RunSummary has the same)."""

    name: str
    hparams: Mapping[str, str | float | bool] = field(default_factory=dict)
    state: str = "running"
    alerts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ("train/loss",)


RUNS = [
    FakeRunRecord("sweep/lr=0.1", {"lr": 0.1, "opt": "adam"}, "running"),
    FakeRunRecord("sweep/lr=0.001", {"lr": 0.001, "opt": "sgd"}, "idle", ("nan",)),
    FakeRunRecord(
        "resnet50[bs=64]", {"lr": "3e-4", "bs": 64.0}, "finished", tags=("val/accuracy",)
    ),
]


def names(query: str) -> list[str]:
    f = parse_filter(query)
    return [r.name for r in RUNS if f.matches(r)]


def test_empty_query_matches_all() -> None:
    assert parse_filter("  ").empty
    assert names("") == [r.name for r in RUNS]


def test_fuzzy_text_matches_letters_in_order() -> None:
    assert fuzzy_match("rn50", "resnet50[bs=64]")
    assert not fuzzy_match("05nr", "resnet50")
    assert names("rsnt") == ["resnet50[bs=64]"]
    assert names("SWEEP") == ["sweep/lr=0.1", "sweep/lr=0.001"]


def test_regex_with_prefix_or_slashes() -> None:
    assert names(r"re:lr=0\.1$") == ["sweep/lr=0.1"]
    assert names(r"/\[bs=\d+\]/") == ["resnet50[bs=64]"]


def test_bad_regex_is_an_error_matching_nothing() -> None:
    f = parse_filter("re:[unclosed")
    assert f.errors and "bad regex" in f.errors[0]
    assert names("re:[unclosed") == []


def test_hparam_comparisons_are_numeric_when_both_sides_are_numbers() -> None:
    assert names("lr<1e-3") == ["resnet50[bs=64]"]  # "3e-4" stored as text
    assert names("lr<=1e-3") == ["sweep/lr=0.001", "resnet50[bs=64]"]
    assert names("lr>0.01") == ["sweep/lr=0.1"]
    assert names("lr=0.1") == ["sweep/lr=0.1"]
    assert names("bs=64") == ["resnet50[bs=64]"]
    assert names("opt=ADAM") == ["sweep/lr=0.1"]
    assert names("opt!=adam") == ["sweep/lr=0.001", "resnet50[bs=64]"]


def test_comparison_needs_a_number() -> None:
    assert parse_filter("lr<abc").errors


def test_state_alert_and_tag_terms() -> None:
    assert names("state:run") == ["sweep/lr=0.1"]
    assert names("state:finished") == ["resnet50[bs=64]"]
    assert names("alert:nan") == ["sweep/lr=0.001"]
    assert names("alert:any") == ["sweep/lr=0.001"]
    assert names("tag:acc") == ["resnet50[bs=64]"]


def test_terms_combine_with_and_and_negate_with_bang() -> None:
    assert names("sweep lr>0.01") == ["sweep/lr=0.1"]
    assert names("sweep !alert:nan") == ["sweep/lr=0.1"]
    assert names('"sweep/lr" state:idle') == ["sweep/lr=0.001"]


def test_a_comparison_on_a_missing_hparam_falls_back_to_the_name() -> None:
    """``/lr=1e-4`` must find ``live/bert_lr=1e-4_bs=32`` even where no hparam ``lr`` was
    recorded: a term with ``=``/``<``/``>`` whose key a run lacks is a text match."""
    runs = [
        FakeRunRecord("live/bert_lr=1e-4_bs=32"),  # no hparams known
        FakeRunRecord("live/bert_lr=3e-4_bs=32", {"lr": 3e-4}),
        FakeRunRecord("ckpt@step=100"),
    ]

    def hits(query: str) -> list[str]:
        f = parse_filter(query)
        assert not f.errors
        return [r.name for r in runs if f.matches(r)]

    assert hits("lr=1e-4") == ["live/bert_lr=1e-4_bs=32"]  # text, and 3e-4 != 1e-4
    assert hits("LR=1E-4") == ["live/bert_lr=1e-4_bs=32"]  # any case, like the other terms
    assert hits("step=100") == ["ckpt@step=100"]
    assert hits("bs=32") == ["live/bert_lr=1e-4_bs=32", "live/bert_lr=3e-4_bs=32"]
    assert hits("lr<1e-3") == ["live/bert_lr=3e-4_bs=32"]  # the hparam, where it is known
    assert hits("!lr=1e-4") == ["live/bert_lr=3e-4_bs=32", "ckpt@step=100"]
