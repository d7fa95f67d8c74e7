"""The shown runs and the header's counts, worked out only for the summaries that changed,
against the same worked out from scratch, over a long random walk of snapshots."""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

from tests.demo_runs import FIXED_NOW
from tfwatch.filtering import parse_filter
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.live.view_models import RunSummary, Snapshot
from tfwatch.loading import load_once
from tfwatch.ui.column_voices import ColumnVoices
from tfwatch.ui.columns import Column, all_columns, cell_says_nothing, column_never_silent
from tfwatch.ui.sorting import SORT_MODES, sort_runs
from tfwatch.ui.visible_runs import VisibleRuns
from tfwatch.ui.widgets.header import run_counts


def says_nothing(col: Column, shown: list[RunSummary]) -> bool:
    """Fresh: whether every shown cell of ``col`` says nothing."""
    return (
        bool(shown)
        and not column_never_silent(col)
        and all(cell_says_nothing(col, r) for r in shown)
    )


FILTERS = ("", "lr", "state:finished", "!state:finished", "seed", "alert:nan", "zzz")
STATES = ("running", "finished", "stalled", "crashed")


def _changed(run: RunSummary, rng: random.Random) -> RunSummary:
    """``run`` after a pass that gave it points: new values, maybe a new state."""
    metrics = {
        tag: dataclasses.replace(
            m, last_value=rng.choice([rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0), math.nan])
        )
        for tag, m in run.metrics.items()
    }
    return dataclasses.replace(
        run,
        metrics=metrics,
        state=rng.choice(STATES),
        last_step=run.last_step + rng.randrange(0, 50),
        alerts=rng.choice([(), ("nan",), ("plateau",)]),
        remote=rng.random() < 0.3,
        node=rng.choice([None, None, "gpu-a"]),
        steps_per_second=rng.choice([math.nan, 3.0]),
    )


def test_a_random_walk_of_snapshots_shows_what_a_fresh_look_shows(demo_root: Path) -> None:
    base = SnapshotBuilder().build(load_once([str(demo_root)]).runs, FIXED_NOW)
    pool = dict(base.runs)
    # More runs than the demo has: copies under other names.
    for k in range(3):
        for name, run in base.runs.items():
            pool[f"copy{k}/{name}"] = dataclasses.replace(run, name=f"copy{k}/{name}")
    rng = random.Random(18)
    visible = VisibleRuns()
    voices = ColumnVoices(visible)
    columns = all_columns(base.metrics, (), base.tag_counts, True)
    runs = dict(pool)
    query = ("", "value", "train/loss", False)
    want_filter = parse_filter("")
    before: list[RunSummary] = []
    tokens = (-1, -1, -1)
    for step in range(800):
        roll = rng.random()
        if roll < 0.5:  # a pass: some runs changed
            for name in rng.sample(sorted(runs), rng.randrange(0, 6)):
                runs[name] = _changed(runs[name], rng)
        elif roll < 0.6:  # a run found, or one gone
            name = rng.choice(sorted(pool))
            if name in runs and len(runs) > 1:
                del runs[name]
            else:
                runs[name] = pool[name]
        elif roll < 0.65:  # one run gone and another found in one pass, or a new order
            gone = rng.choice(sorted(runs))
            found = [n for n in sorted(pool) if n not in runs]
            del runs[gone]
            if found and rng.random() < 0.5:
                name = rng.choice(found)
                runs[name] = pool[name]
            else:
                runs = {gone: pool[gone], **runs}
        elif roll < 0.8:  # a keystroke
            mode = rng.choice(SORT_MODES).key
            metric = rng.choice(["train/loss", None])
            query = (rng.choice(FILTERS), mode, metric, rng.random() < 0.5)
        snap = Snapshot(dict(runs), base.tag_counts, base.metrics)
        text, mode, metric, reverse = query
        if want_filter.text != text:
            want_filter = parse_filter(text)  # (parsed once per keystroke, as the app does)
        shown = visible.runs(snap, parse_filter(text) if rng.random() < 0.1 else want_filter,
                             mode, metric, reverse)  # fmt: skip
        passing = [r for r in runs.values() if want_filter.matches(r)]
        want = sort_runs(passing, mode, metric, reverse)
        assert [r.name for r in shown] == want, (step, query)
        assert all(r is runs[r.name] for r in shown)
        # What the table and the column fitting keep while these tokens hold.
        generation, order, names = (
            visible.generation, visible.order_generation, visible.names_generation
        )  # fmt: skip
        if order == tokens[1]:
            assert [r.name for r in shown] == [r.name for r in before], step
        if names == tokens[2]:
            assert {r.name for r in shown} == {r.name for r in before}, step
        entered = visible.entered_since(tokens[0])
        if entered is not None:
            was = {id(r) for r in before}
            assert {id(r) for r in shown if id(r) not in was} <= {id(r) for r in entered}
        assert all(visible.holds(r) for r in shown)
        assert not any(visible.holds(r) for r in before if r is not runs.get(r.name))
        assert visible.on_nodes == any(r.node is not None for r in runs.values())
        for col in columns:
            assert voices.says_nothing(col, shown) == says_nothing(col, shown), (step, col)
        before, tokens = shown, (generation, order, names)
        assert visible.counts(snap) == run_counts(snap), step


def test_an_unchanged_snapshot_gives_the_same_list(demo_root: Path) -> None:
    base = SnapshotBuilder().build(load_once([str(demo_root)]).runs, FIXED_NOW)
    visible = VisibleRuns()
    query = parse_filter("lr")
    first = visible.runs(base, query, "value", "train/loss", False)
    again = Snapshot(dict(base.runs), base.tag_counts, base.metrics)  # the same summaries
    assert visible.runs(again, query, "value", "train/loss", False) is first
    name = first[0].name
    changed = dict(base.runs, **{name: dataclasses.replace(base.runs[name], last_step=10**9)})
    moved = visible.runs(Snapshot(changed, base.tag_counts, base.metrics), query, "value",
                         "train/loss", False)  # fmt: skip
    assert moved is not first and moved[0] is changed[name]
    empty = Snapshot({}, base.tag_counts, base.metrics)
    assert visible.runs(empty, query, "value", "train/loss", False) == []
    assert visible.counts(empty) == run_counts(empty)
