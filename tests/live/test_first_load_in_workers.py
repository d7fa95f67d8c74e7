"""A first load big enough for worker processes, while the app runs.

The app replaces ``sys.stderr`` with an object whose descriptor is -1; multiprocessing's
resource tracker, started with the first pool, passed that on and failed, so a large
root's first pass read nothing. Each test runs in a fresh interpreter: in this one the
tracker may already run, started by an earlier test."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

#: Runs the app headless over ``argv[1]`` with every load parallel; prints what it saw.
APP = textwrap.dedent(
    """
    import asyncio, json, sys
    from tfwatch.ingest import tailer as tailer_module
    from tfwatch.ingest import workers
    from tfwatch.live.factory import open_session
    from tfwatch.ui.app import TfwatchApp

    tailer_module.PARALLEL_MIN_BYTES = 0
    pooled = []
    real = workers._pooled

    def spy(jobs, n, meanwhile):
        pooled.append(sum(len(job.runs) for job in jobs))
        return real(jobs, n, meanwhile)

    workers._pooled = spy
    if sys.argv[2] == "no-pool":
        import multiprocessing.context as mp_context

        def refuse(*args, **kwargs):
            raise OSError("no processes")

        mp_context.BaseContext.Pool = refuse

    async def main():
        session = open_session([sys.argv[1]], metrics=("loss",), live=False, system=False)
        app = TfwatchApp(session)
        async with app.run_test(size=(120, 30)) as pilot:
            while session.running or app.snapshot is None:
                await pilot.pause(0.1)
            await pilot.pause()
            runs = session.tailer.runs
            print(json.dumps({
                "errors": list(session.latest.errors),
                "points": {n: len(r.scalars["loss"].recent().steps) for n, r in runs.items()},
                "rows": app.runs_table.order,
                "pooled": pooled,
            }))

    asyncio.run(main())
    """
)


def _run_app(root: Path, mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", APP, str(root), mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _root(tbx_run, tmp_path: Path) -> Path:
    for k in range(4):
        tbx_run(f"logs/run{k}", {"loss": [(i, 1 / (i + k + 1)) for i in range(200)]})
    return tmp_path / "logs"


def test_the_app_reads_a_large_first_load_in_a_pool(tbx_run, tmp_path: Path) -> None:
    seen = _run_app(_root(tbx_run, tmp_path), "pool")
    assert seen["errors"] == []
    assert seen["pooled"] == [4]  # (the runs went to the workers)
    assert seen["points"] == {f"run{k}": 200 for k in range(4)}
    assert sorted(seen["rows"]) == [f"run{k}" for k in range(4)]  # type: ignore[arg-type]


def test_where_no_pool_can_start_the_runs_are_read_here(tbx_run, tmp_path: Path) -> None:
    seen = _run_app(_root(tbx_run, tmp_path), "no-pool")
    assert seen["errors"] == []
    assert seen["points"] == {f"run{k}": 200 for k in range(4)}
    assert sorted(seen["rows"]) == [f"run{k}" for k in range(4)]  # type: ignore[arg-type]
