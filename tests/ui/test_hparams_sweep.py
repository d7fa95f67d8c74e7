"""A sweep whose hparams come from the real ``add_hparams`` (tensorboardX and PyTorch), in
the real app: one row per run, hparam filters match those rows, the detail shows the
hparams and final metrics, and ``hparam/*`` is no training tag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.ui.app_driving import screen_text, sync, table, wait_for
from tests.writers import HPARAMS_SWEEP, write_hparams_sweep
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.screens.metric_picker import MetricPicker


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sweep")
    write_hparams_sweep(root)
    return root


def _runs(keep: Callable[[float, str], bool]) -> list[str]:
    return sorted(name for _, name, lr, opt, *_ in HPARAMS_SWEEP if keep(lr, opt))


@sync
async def test_hparam_filters_match_the_real_runs(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == len(HPARAMS_SWEEP))
        assert sorted(table(app).order) == _runs(lambda lr, opt: True)  # no phantom rows
        await pilot.press("slash", *"lr<1e-3", "enter")
        want = _runs(lambda lr, opt: lr < 1e-3)
        await wait_for(pilot, lambda: sorted(table(app).order) == want)
        assert f"{len(want)}/{len(HPARAMS_SWEEP)} runs" in screen_text(app)
        await pilot.press("slash", "ctrl+u", *"opt=adam", "enter")
        want = _runs(lambda lr, opt: opt == "adam")
        await wait_for(pilot, lambda: sorted(table(app).order) == want)


@sync
async def test_detail_shows_hparams_and_final_metrics_not_curves(
    sweep: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    app = make_app(sweep)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: len(table(app).order) == len(HPARAMS_SWEEP))
        await pilot.press("slash", *"re:tbx/c", "enter")
        await wait_for(pilot, lambda: table(app).order == ["tbx/c"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await wait_for(pilot, lambda: "hparam opt" in screen_text(app))
        text = screen_text(app)
        assert "hparam lr" in text and "0.0003" in text and "adam" in text
        assert "final hparam/accuracy" in text and "0.85" in text
        assert "train/loss" in text
        await pilot.press("escape", "m")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricPicker))
        options = app.screen.query_one(OptionList)
        tags = [str(options.get_option_at_index(i).id) for i in range(options.option_count)]
        assert tags == ["train/loss"]  # hparam/accuracy is no training tag
