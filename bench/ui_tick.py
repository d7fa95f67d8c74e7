"""The app's refresh cost: one tick over 1,000 runs × 3 metrics, and idle CPU with 200 runs.

Usage: ``python bench/ui_tick.py [--runs 1000] [--idle-runs 200] [--idle-seconds 20]``;
``--passes-only --runs 5000``: only the ingest thread's pass (idle and 10 % changed);
``--groups-only``: just the grouped table, 1,000 runs in 100 groups (``g``);
``--table-only``: just the large table (``--table-runs 10000`` × 3 metrics at 160×50):
ticks, a sort and a filter keystroke, a page scrolled, then a fresh app's start (the load,
the first full picture) and idle CPU with every run finished (``--idle-only``: just that).
Targets (issue 18) for the large table: idle tick ≤ 5 ms, 10 % changed ≤ 20 ms, all
changed ≤ 50 ms, sort or filter ≤ 30 ms, a page ≤ 16 ms, idle CPU ≤ 2 % of a core.
Targets (issue 3): a tick ≤ 50 ms with 1,000 rows × 3 metrics; idle CPU ≤ 5 % of one
core with 200 runs. A tick is two halves: the snapshot built in the ingest thread, and
the table update plus repaint on the UI thread; both are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen_logdir import generate
from tfwatch.analysis.grouping import parse_group_by
from tfwatch.filtering import parse_filter
from tfwatch.live.factory import open_session
from tfwatch.live.group_view import GroupBuilder
from tfwatch.live.health_source import health_alerts
from tfwatch.live.publications import Published
from tfwatch.live.session import FORECAST_BUDGET
from tfwatch.live.snapshot_builder import SnapshotBuilder
from tfwatch.loading import make_tailer
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.group_rows import grouped_rows
from tfwatch.ui.sorting import SORT_MODES

SIZE = (160, 50)


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:.1f} ms, max {max(samples) * 1e3:.1f} ms"


async def _wait_loaded(app: TfwatchApp, session: Any, pilot: Any) -> None:
    """Wait for the session's one pass (no live ticks) to end and reach the table: a
    large root is published while it still reads, and polling the tailer here beside
    that pass would race it."""
    while session.running or app.snapshot is None or app._loading:
        await pilot.pause(0.1)
    with session.tailer.lock:
        runs = list(session.tailer.runs.values())
    if not runs or not all(r.scalars for r in runs):
        raise SystemExit("the load ended with runs that hold no points")


async def _ui_ticks(root: str, tags: tuple[str, ...], ticks: int) -> dict[str, list[float]]:
    session = open_session([root], metrics=tags, live=False, system=False)
    tailer = session.tailer
    app = TfwatchApp(session)
    times: dict[str, list[float]] = {"idle tick": [], "10% changed": [], "all changed": []}
    async with app.run_test(size=SIZE) as pilot:
        await _wait_loaded(app, session, pilot)
        await pilot.pause(0.5)
        builder = SnapshotBuilder(metrics=tags, health=health_alerts())
        with tailer.lock:
            builder.build(tailer.runs)
        names = sorted(tailer.runs)
        for label, share in (("idle tick", 0), ("10% changed", 10), ("all changed", 1)):
            for i in range(ticks):
                if share:
                    for name in names[i % share :: share]:
                        tailer.runs[name].version += 1  # what new data does to a run
                with tailer.lock:
                    snap = builder.build(tailer.runs, time.time() + i)
                start = time.perf_counter()
                app._apply_snapshot(Published(snap))
                await pilot.pause()  # the repaint
                times[label].append(time.perf_counter() - start)
    return times


def bench_tick(root: str, ticks: int) -> None:
    tailer = make_tailer([root])
    tailer.poll()
    tags = tuple(sorted({t for r in tailer.runs.values() for t in r.scalars})[:3])
    print(f"{len(tailer.runs)} runs, metrics {', '.join(tags)}")
    builder = SnapshotBuilder(metrics=tags, health=health_alerts())
    start = time.perf_counter()
    builder.build(tailer.runs)
    print(
        f"snapshot, every run summarised (first tick): {(time.perf_counter() - start) * 1e3:.0f} ms"
    )
    builds: dict[str, list[float]] = {"unchanged": [], "10% changed": []}
    names = sorted(tailer.runs)
    for i in range(ticks):
        start = time.perf_counter()
        builder.build(tailer.runs, time.time() + i)
        builds["unchanged"].append(time.perf_counter() - start)
        for name in names[i % 10 :: 10]:
            tailer.runs[name].version += 1
        start = time.perf_counter()
        builder.build(tailer.runs, time.time() + i)
        builds["10% changed"].append(time.perf_counter() - start)
    for label, samples in builds.items():
        print(f"snapshot (ingest thread), {label}: {_ms(samples)}")
    for label, samples in asyncio.run(_ui_ticks(root, tags, ticks)).items():
        print(f"table update + repaint (UI thread) at {SIZE[0]}x{SIZE[1]}, {label}: {_ms(samples)}")


def bench_passes(root: str, passes: int) -> None:
    """The ingest thread's whole pass (summaries with health, forecasts, alert feed) as
    the session runs it: first pass, idle passes, passes where 10 % of the runs grew."""
    session = open_session([root], live=False, system=False)
    session.tailer.poll()
    start = time.perf_counter()
    session._latest = session._build(())  # every run summarised and fitted
    print(f"{len(session.tailer.runs)} runs, first full pass: {_ms([time.perf_counter() - start])}")
    session._forecasts.budget = FORECAST_BUDGET  # from now on as the live session fits
    names = sorted(session.tailer.runs)
    times: dict[str, list[float]] = {"idle": [], "10% changed": []}
    for label in times:  # (idle first: a changed pass leaves runs past its budget)
        for i in range(passes):
            if label != "idle":
                for name in names[i % 10 :: 10]:
                    session.tailer.runs[name].version += 1
            start = time.perf_counter()
            session._latest = session._build(())
            times[label].append(time.perf_counter() - start)
    for label, samples in times.items():
        print(f"session pass (ingest thread), {label}: {_ms(samples)}")


#: The generator's runs are ``trial_0000``…: their last two digits make 100 groups of 10.
GROUPS = parse_group_by(r"re:trial_\d\d(\d\d)$")


def bench_groups(root: str, ticks: int) -> None:
    """Groups built on the ingest thread; sorting, filtering and the table on the UI's."""
    tailer = make_tailer([root])
    tailer.poll()
    tags = tuple(sorted({t for r in tailer.runs.values() for t in r.scalars})[:3])
    builder = SnapshotBuilder(metrics=tags, health=health_alerts())
    snap = builder.build(tailer.runs)
    groups = GroupBuilder()
    start = time.perf_counter()
    grouping = groups.build(GROUPS, snap, tailer.runs)
    first = time.perf_counter() - start
    print(f"{len(snap.runs)} runs in {len(grouping.groups)} groups, metrics {', '.join(tags)}")
    print(f"groups, first build (ingest thread): {first * 1e3:.0f} ms")
    builds: dict[str, list[float]] = {"unchanged": [], "10% changed": []}
    names = sorted(tailer.runs)
    for i in range(ticks):
        snap = builder.build(tailer.runs, time.time() + i)
        start = time.perf_counter()
        groups.build(GROUPS, snap, tailer.runs)
        builds["unchanged"].append(time.perf_counter() - start)
        for name in names[i % 10 :: 10]:
            tailer.runs[name].version += 1
        snap = builder.build(tailer.runs, time.time() + i)
        start = time.perf_counter()
        grouping = groups.build(GROUPS, snap, tailer.runs)
        builds["10% changed"].append(time.perf_counter() - start)
    for label, samples in builds.items():
        print(f"groups (ingest thread), {label}: {_ms(samples)}")
    metric = tags[0] if tags else None
    for query in ("", "trial_00", "state:fin"):
        run_filter = parse_filter(query)
        samples = []
        for mode in SORT_MODES:
            start = time.perf_counter()
            grouped_rows(grouping, snap.runs, run_filter, mode.key, metric, False, ())
            samples.append(time.perf_counter() - start)
        print(f"sort + filter groups (UI thread) every sort mode, filter {query!r}: {_ms(samples)}")
    for label, samples in asyncio.run(_grouped_ticks(root, tags, ticks)).items():
        print(f"grouped table update + repaint (UI thread), {label}: {_ms(samples)}")


async def _grouped_ticks(root: str, tags: tuple[str, ...], ticks: int) -> dict[str, list[float]]:
    session = open_session([root], metrics=tags, live=False, system=False)
    tailer = session.tailer
    app = TfwatchApp(session, group_by=GROUPS)
    times: dict[str, list[float]] = {"100 groups": [], "10 groups open (200 rows)": []}
    async with app.run_test(size=SIZE) as pilot:
        while not app.grouping.active:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        builder = SnapshotBuilder(metrics=tags, health=health_alerts())
        groups = GroupBuilder()
        for label in times:
            if label.startswith("10 groups"):
                for group in list(app.grouping.grouping.groups)[:10]:  # type: ignore[union-attr]
                    app.grouping.expanded.add(group.id)
            for i in range(ticks):
                with tailer.lock:
                    snap = builder.build(tailer.runs, time.time() + i)
                    grouping = groups.build(GROUPS, snap, tailer.runs)
                start = time.perf_counter()
                app._apply_snapshot(Published(snap, groups=grouping))
                await pilot.pause()
                times[label].append(time.perf_counter() - start)
    return times


async def _table_ticks(root: str, tags: tuple[str, ...], ticks: int) -> dict[str, list[float]]:
    """The UI thread's CPU time for each tick and keystroke on a large table (the wall
    time of a pilot's press and pause also counts its waits: reported beside it)."""
    session = open_session([root], metrics=tags, live=False, system=False)
    tailer = session.tailer
    app = TfwatchApp(session)
    times: dict[str, list[float]] = {}

    def record(label: str, wall: float, cpu: float) -> None:
        times.setdefault(f"{label} (UI-thread CPU)", []).append(time.thread_time() - cpu)
        times.setdefault(f"{label} (wall, pilot)", []).append(time.perf_counter() - wall)

    async with app.run_test(size=SIZE) as pilot:
        await _wait_loaded(app, session, pilot)
        await pilot.pause(0.5)
        # No budget: every changed run gets a new summary, as the label says.
        builder = SnapshotBuilder(metrics=tags, health=health_alerts(), budget=None)
        with tailer.lock:
            builder.build(tailer.runs)
        names = sorted(tailer.runs)
        for _ in range(ticks):
            wall, cpu = time.perf_counter(), time.thread_time()
            await pilot.pause()
            record("a pilot pause alone", wall, cpu)
        for label, share in (("idle tick", 0), ("10% changed", 10), ("all changed", 1)):
            for i in range(ticks):
                if share:
                    for name in names[i % share :: share]:
                        tailer.runs[name].version += 1  # what new data does to a run
                with tailer.lock:
                    snap = builder.build(tailer.runs, time.time() + i)
                wall, cpu = time.perf_counter(), time.thread_time()
                app._apply_snapshot(Published(snap))
                await pilot.pause()  # the repaint
                record(label, wall, cpu)

        async def timed(label: str, act: object) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            if isinstance(act, str):
                await pilot.press(act)
            else:
                act()  # type: ignore[operator]
            await pilot.pause()
            record(label, wall, cpu)

        for _ in range(ticks):
            await timed("sort keystroke (s)", "s")
        for i in range(ticks):
            await timed("filter keystroke", lambda i=i: app.set_filter(f"trial_{i % 10}"))
            await timed("filter keystroke", lambda: app.set_filter(""))
        for key in ("pagedown", "pageup") * ticks:
            await timed("page scrolled (PgDn/PgUp)", key)
    return times


def bench_table(root: str, ticks: int, idle_seconds: float) -> None:
    tailer = make_tailer([root])
    tailer.poll()
    tags = tuple(sorted({t for r in tailer.runs.values() for t in r.scalars})[:3])
    print(f"{len(tailer.runs)} runs, metrics {', '.join(tags)}")
    del tailer
    for label, samples in asyncio.run(_table_ticks(root, tags, ticks)).items():
        print(f"table (UI thread) at {SIZE[0]}x{SIZE[1]}, {label}: {_ms(samples)}")
    if idle_seconds:
        bench_idle(root, idle_seconds)


def bench_idle(root: str, seconds: float) -> None:
    timings: dict[str, float] = {}
    share = asyncio.run(_idle(root, seconds, timings))
    print(f"app start: loaded in {timings['loaded']:.1f} s, first full picture (every run "
          f"summarised and forecast) at {timings['full']:.1f} s")  # fmt: skip
    print(f"idle CPU with these runs finished, 1 s refresh: {share * 100:.1f} % of one core")


async def _idle(root: str, seconds: float, timings: dict[str, float] | None = None) -> float:
    """Idle CPU once the load and the first full picture (every run summarised and
    forecast) are done; ``timings`` gets the seconds to each."""
    started = time.perf_counter()
    session = open_session([root], interval=1.0, system=False)
    app = TfwatchApp(session)
    async with app.run_test(size=SIZE) as pilot:
        while app.snapshot is None or app._loading:
            await pilot.pause(0.1)
        loaded = time.perf_counter() - started
        await pilot.pause(1.5)  # (the pass after the load starts the catch-up)
        while session.catching_up:
            await pilot.pause(0.2)
        if timings is not None:
            timings.update(loaded=loaded, full=time.perf_counter() - started)
        await pilot.pause(3.0)
        cpu, wall = time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        return (time.process_time() - cpu) / (time.perf_counter() - wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--idle-runs", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--dir", help="where to generate logdirs (default: a temp dir)")
    parser.add_argument(
        "--passes-only",
        action="store_true",
        help="only the ingest thread's pass at --runs runs (no UI, no idle CPU)",
    )
    parser.add_argument("--groups-only", action="store_true", help="only the grouped table")
    parser.add_argument("--table-only", action="store_true", help="only the large table")
    parser.add_argument(
        "--idle-only", action="store_true", help="only the large table's start and idle CPU"
    )
    parser.add_argument("--table-runs", type=int, default=10000)
    parser.add_argument("--table-steps", type=int, default=50, help="steps per tag")
    args = parser.parse_args()
    base = args.dir or tempfile.mkdtemp(prefix="tfwatch-bench-ui-")
    if args.passes_only:
        bench_passes(generate(os.path.join(base, f"ui-{args.runs}"), args.runs, 3, 300), 10)
    elif args.table_only or args.idle_only:
        shape = (args.table_runs, 3, args.table_steps)
        root = generate(os.path.join(base, "table"), *shape)
        if args.idle_only:
            bench_idle(root, args.idle_seconds)
        else:
            bench_table(root, args.ticks, args.idle_seconds)
        return 0
    big = generate(os.path.join(base, f"ui-{args.runs}"), args.runs, 3, 300)
    bench_groups(big, args.ticks)
    if args.groups_only:
        return 0
    bench_tick(big, args.ticks)
    small = generate(os.path.join(base, f"ui-{args.idle_runs}"), args.idle_runs, 3, 300)
    share = asyncio.run(_idle(small, args.idle_seconds))
    print(f"idle CPU with {args.idle_runs} runs, 1 s refresh: {share * 100:.1f} % of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
