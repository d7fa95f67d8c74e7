"""The filter line in the real app: keys typed right after ``/`` land in it, a query that
cannot be understood says why on screen, and hparams in directory names filter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.widgets import Input, Label

from tests.ui.app_driving import ALL, screen_text, sync, table, wait_for
from tfwatch.ui.app import TfwatchApp


def _box(app: TfwatchApp) -> Input:
    return app.query_one("#filter", Input)


@sync
async def test_keys_right_after_slash_go_to_the_filter_and_errors_show(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        await pilot.press("/", "r", "e", ":", "(")
        assert _box(app).value == "re:("
        await wait_for(pilot, lambda: "bad regex" in screen_text(app))
        error = app.query_one("#filter-error", Label)
        assert error.display and error.region.width > 0  # on screen, not a hidden subtitle
        assert "re:(" in app.filter_error
        assert any(line.startswith("✗ re:(: bad regex") for line in screen_text(app).splitlines())
        # The table keeps the last filter that could be applied (none here): all runs.
        assert table(app).order == ALL and "6/6 runs" in screen_text(app)
        await pilot.press("backspace", *"sweep")  # "re:sweep": valid again
        await wait_for(pilot, lambda: len(table(app).order) == 5)
        assert "bad regex" not in screen_text(app) and not app.filter_error
        await pilot.press("ctrl+u", *"re:[")  # an error now keeps the 5 runs shown
        await wait_for(pilot, lambda: "bad regex" in screen_text(app))
        assert len(table(app).order) == 5 and "5/6 runs" in screen_text(app)


@sync
async def test_keys_queued_behind_slash_are_not_table_keys(
    demo_root: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    """A paste without bracketed paste, or fast typing: the keys after ``/`` are already
    waiting when ``/`` is handled. ``s`` (sort) and ``space`` (mark) must be typed."""
    app = make_app(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 6)
        sort_before = app.sort_index
        for key, char in [("slash", "/"), ("s", "s"), ("w", "w"), ("space", " "), ("e", "e")]:
            app.post_message(events.Key(key, char))  # all queued before any is handled
        await wait_for(pilot, lambda: _box(app).value == "sw e")
        assert app.sort_index == sort_before
        assert not app.marked
        # A "/" typed in the box is text (the /regex/ form), not a new filter action.
        await pilot.press("ctrl+u", *"/lr=0\\.1$/")
        assert _box(app).value == "/lr=0\\.1$/"
        await wait_for(pilot, lambda: table(app).order == ["sweep/lr=0.1"])


@sync
async def test_hparams_in_directory_names_filter_and_fall_back_to_the_name(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    """Runs written by the real tensorboardX writer, hparams only in their names."""
    from tensorboardX import SummaryWriter

    names = ["ckpt@step=100", "live/bert_lr=1e-4_bs=32", "live/bert_lr=3e-4_bs=64"]
    for name in names:
        with SummaryWriter(str(tmp_path / name)) as writer:
            writer.add_scalar("loss", 1.0, 0)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == 3)
        await pilot.press("slash")
        for query, want in [
            ("lr=1e-4", ["live/bert_lr=1e-4_bs=32"]),  # the example
            ("bs>32", ["live/bert_lr=3e-4_bs=64"]),  # parsed: compared as a number
            ("lr<2e-4", ["live/bert_lr=1e-4_bs=32"]),
            ("step=100", ["ckpt@step=100"]),  # no such hparam: a match on the name
        ]:
            await pilot.press("ctrl+u", *query)
            await wait_for(pilot, lambda want=want: sorted(table(app).order) == want)
            assert f"{len(want)}/3 runs" in screen_text(app)
