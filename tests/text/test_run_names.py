"""Run names shortened for the name column: always told apart, always within the width."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tfwatch.text.cell_cuts import cut_middle, head, tail
from tfwatch.text.run_names import (
    MIN_WIDTH,
    distinct_forms,
    prefix_and_widest,
    shared_prefix,
    shorten_names,
)
from tfwatch.text.safe_text import printable

#: Characters that break naive code: escapes, bidi overrides, wide CJK and emoji, a
#: combining accent, the ellipsis and separator themselves, a backslash (escapes alike).
HOSTILE = ["\x1b", "\u202e", "\u200f", "中", "文", "😀", "e\u0301", "…", "\\", "\x00", "ｗ"]
component = st.lists(st.sampled_from([*"abc_=.0123", *HOSTILE]), min_size=1, max_size=14).map(
    "".join
)
name = st.lists(component, min_size=1, max_size=5).map("/".join)
names = st.lists(name, min_size=1, max_size=12, unique=True)


@st.composite
def differ_in_the_middle(draw: st.DrawFn) -> list[str]:
    """Names with one long start and end, told apart only by what lies between."""
    start = draw(st.text(alphabet="abc/_", min_size=0, max_size=30))
    end = draw(st.text(alphabet="abc/_", min_size=0, max_size=30))
    middles = draw(st.lists(component, min_size=1, max_size=8, unique=True))
    return sorted({start + m + end for m in middles})


def check(all_names: list[str], width: int) -> None:
    short = shorten_names(all_names, width)
    shown = [short.shown[n] for n in all_names]
    assert len(set(shown)) == len(all_names), shown
    for n, form in zip(all_names, shown, strict=True):
        assert cell_len(form) <= width, (n, form, width)
        assert printable(form) == form  # nothing unsafe reaches the screen
        full = printable(n)
        assert full.startswith(short.prefix)
        # Shown whole when it fits (unless escaping made two names alike).
        tails = [printable(m)[len(short.prefix) :] for m in all_names]
        rest = full[len(short.prefix) :]
        if cell_len(rest) <= width and tails.count(rest) == 1:
            assert form == rest


@settings(max_examples=300, deadline=None)
@given(names, st.integers(MIN_WIDTH, 60))
def test_random_names_stay_distinct_and_fit(all_names: list[str], width: int) -> None:
    check(all_names, width)


@settings(max_examples=300, deadline=None)
@given(differ_in_the_middle(), st.integers(MIN_WIDTH, 40))
def test_names_differing_only_in_the_middle_stay_distinct(all_names: list[str], width: int) -> None:
    check(all_names, width)


def test_the_reported_pair_shows_what_tells_it_apart() -> None:
    pair = ["corrupt/crc_payload", "corrupt/truncated_payload"]
    mixed = [*pair, "sweep/lr=0.1", "baseline[bs=64]"]
    for width in range(MIN_WIDTH, 30):
        crc, truncated = (shorten_names(mixed, width).shown[n] for n in pair)
        assert crc != truncated
    # Alone, the shared directory goes to the header and both names show whole.
    alone = shorten_names(pair, 20)
    assert alone.prefix == "corrupt/"
    assert [alone.shown[n] for n in pair] == ["crc_payload", "truncated_payload"]
    # Narrower: the start that tells them apart is kept.
    narrow = shorten_names(pair, 9)
    assert narrow.shown["corrupt/crc_payload"].startswith("c")
    assert narrow.shown["corrupt/truncated_payload"].startswith("t")


def test_directories_give_way_before_the_last_component() -> None:
    runs = [f"resnet50-imagenet-sweep/lr={lr}/seed={s}" for lr in ("0.1", "0.01") for s in (1, 2)]
    runs.append("vit-base-imagenet-sweep/lr=0.1/seed=1")
    short = shorten_names(runs, 22)
    assert short.prefix == ""
    for run in runs:
        assert short.shown[run].endswith(run.rsplit("/", 1)[1]), short.shown[run]
    assert len(set(short.shown.values())) == len(runs)


def test_prefix_is_whole_components_and_never_the_last() -> None:
    assert shared_prefix(["a/b/c", "a/b/d"]) == "a/b/"
    assert shared_prefix(["a/bc", "a/bd"]) == "a/"
    assert shared_prefix(["ab/c", "ac/c"]) == ""
    assert shared_prefix(["a/b"]) == "a/"
    assert shared_prefix(["a", "a/b"]) == ""  # "a" is a run: its name stays
    assert shared_prefix([]) == ""


def test_names_escaped_alike_are_numbered() -> None:
    # An ESC character and the four characters that show it look the same escaped.
    pair = ["run\x1b", "run\\x1b"]
    forms = distinct_forms([printable(n) for n in pair], 10)
    assert len(set(forms)) == 2 and all(cell_len(f) <= 10 for f in forms)
    assert all(f.startswith("run") for f in forms)


def test_wide_characters_are_measured_in_cells_and_never_split() -> None:
    wide = ["实验/学习率=0.1/种子=1", "实验/学习率=0.1/种子=2", "实验/学习率=0.01/种子=1"]
    for width in range(MIN_WIDTH, 24):
        short = shorten_names(wide, width)
        assert short.prefix == "实验/"
        forms = list(short.shown.values())
        assert len(set(forms)) == 3 and all(cell_len(f) <= width for f in forms)
    assert cut_middle("种子种子种子", 7) == "种…种子"  # the cell the start cannot use
    assert head("e\u0301x", 1) == "e\u0301" and tail("中文", 1) == ""


def test_directories_that_differ_in_their_middle_keep_that_middle() -> None:
    config = "optimizer=adamw,lr={},warmup=500"
    runs = [
        f"imagenet-resnet50-long-schedule/{config.format('0.001')}/seed=1",
        f"imagenet-resnet50-long-schedule/{config.format('0.001')}/seed=2",
        f"imagenet-resnet50-long-schedule/{config.format('0.003')}/seed=1",
        f"imagenet-resnet101-long-schedule/{config.format('0.001')}/seed=1",
    ]
    short = shorten_names(runs, 35)
    for run in runs:
        assert short.shown[run].endswith("/" + run.rsplit("/", 1)[1]), short.shown[run]
    first = short.shown[runs[0]]
    assert "50" in first and "1," in first  # the model and the learning rate
    assert len(set(short.shown.values())) == len(runs)


#: Names made of few components, so that many share their first ones.
few_parts = st.lists(
    st.lists(st.sampled_from(["a", "b", "中", "\x1b"]), min_size=1, max_size=4).map("/".join),
    max_size=8,
)


@given(st.one_of(names, few_parts), st.booleans())
@settings(max_examples=400)
def test_prefix_and_widest_is_the_shared_prefix_and_the_widest_tail(
    given_names: list[str], nested: bool
) -> None:
    """The linear reading a filter keystroke uses against the two sorted ones."""
    shown = [f"sweep/x/{n}" for n in given_names] if nested else given_names
    shown = shown + shown[:2]  # (a name twice changes nothing)
    prefix, widest, plain = prefix_and_widest(shown)
    tails = [printable(n)[len(prefix) :] for n in shown]
    assert (prefix, widest) == (shared_prefix(shown), max(map(cell_len, tails), default=0))
    assert plain == all(printable(n) == n for n in shown)
    three = ["a/x/1", "b/x/2", "a/x/3"]  # the first and last share what the others do not
    assert prefix_and_widest(three) == ("", 5, True)
