"""Regenerate ``screenshots/*.svg`` and ``*.png`` from fixed demo data.

Usage: ``python scripts/screenshots.py [OUT_DIR]``. The data are the demo sweep written
with fixed wall times and the app's clock is pinned, so the images only change when the
app does. PNGs need ``rsvg-convert`` (Debian/Ubuntu: ``apt-get install librsvg2-bin``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.demo import fixed_end_time, write_fixed
from tfwatch.live.factory import open_session
from tfwatch.ui.app import TfwatchApp

STEPS = 600
SIZE = (120, 32)


async def _settle(pilot: Any) -> None:
    for _ in range(200):
        if pilot.app.snapshot is not None:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def _main(pilot: Any) -> None:
    await pilot.press("s")  # sorted by value: best loss first


async def _filter(pilot: Any) -> None:
    await pilot.press("slash", *"sweep lr<=0.1", "enter")


async def _compare(pilot: Any) -> None:
    # Rows by name: baseline, lr=0.003 (stalls), lr=0.01 (plateau), lr=0.03, lr=0.1
    # (fast), lr=0.3 (NaN). Mark the four that behave differently.
    await pilot.press("down", "space", "space", "down", "space", "space")
    await pilot.press("c", "l")  # log y: the diverged run would flatten the others


async def _detail(pilot: Any) -> None:
    await pilot.press("down", "down", "down", "down", "enter")


async def _alerts(pilot: Any) -> None:
    await pilot.press("a")  # newest first; Enter would jump to the run


async def _tree(pilot: Any) -> None:
    await pilot.press("s", "t")  # by value, as a tree: sweep/ heads its runs


async def _help(pilot: Any) -> None:
    await pilot.press("question_mark")


VIEWS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "main": _main,
    "filter": _filter,
    "compare": _compare,
    "detail": _detail,
    "alerts": _alerts,
    "tree": _tree,
    "help": _help,
}


async def shoot(root: Path, name: str, out: Path) -> Path:
    """Open the app on ``root``, run view ``name``'s keys, save an SVG."""
    session = open_session(
        [str(root)],
        metrics=["train/loss", "val/accuracy"],
        clock=lambda: fixed_end_time(STEPS) + 5,
        live=False,
        # The real system strip (this machine's CPU and memory), without process
        # linkage: the fixed runs' states come from their pinned clock.
        system=name == "main",
        link_runs=False,
        targets=[("val/accuracy", 0.7)],
    )
    app = TfwatchApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await VIEWS[name](pilot)
        await pilot.pause(0.6)
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"tfwatch: {name}"), encoding="utf-8")
    return path


def to_png(svg: Path) -> Path | None:
    """Convert with rsvg-convert; spaces preserved so columns stay aligned."""
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found: SVG only", file=sys.stderr)
        return None
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-o", str(png)], input=text.encode(), check=True)
    return png


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = home  # the header shows the root as ~/runs
        root = Path(home, "runs")
        write_fixed(str(root), STEPS)
        for name in VIEWS:
            svg = asyncio.run(shoot(root, name, out))
            png = to_png(svg)
            print(svg, png or "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
