"""Read-only by construction: no command and not the app changes anything under a root.

The root holds damaged files, hostile names and a live-looking run; every command (and
every output format) and the app, headless for a few refresh ticks, are run over it. The
tree's names, types, sizes, modes and mtimes are the same afterwards and nothing is new.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli

Tree = dict[bytes, tuple[int, int, int]]


def _tree(root: Path) -> Tree:
    """Every entry under ``root``: relative byte path → (mode, size, mtime in ns)."""
    out: Tree = {}
    base = os.fsencode(root)
    for top, dirs, files in os.walk(base):
        for name in dirs + files:
            path = os.path.join(top, name)
            st = os.lstat(path)
            out[os.path.relpath(path, base)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def mixed_root(tmp_path: Path, damaged_root: Path, hostile_root: Path) -> Path:
    """Damaged and hostile runs side by side (copied, so the session roots stay put)."""
    root = tmp_path / "logs"
    shutil.copytree(damaged_root, root / "damaged")
    shutil.copytree(hostile_root, root / "hostile")
    return root


COMMANDS = [
    ["ls"], ["ls", "--json"], ["ls", "--csv"], ["export"], ["export", "--format", "csv"],
    ["check"], ["check", "--json"], ["report"], ["report", "--format", "html"],
    ["report", "--format", "json"], ["report", "--format", "csv"], ["exporter", "--once"],
]  # fmt: skip


def test_no_command_writes_under_the_root(
    mixed_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree(mixed_root)
    # The commands run from inside the root: nothing may land in the working directory.
    monkeypatch.chdir(mixed_root / "hostile")
    for command in COMMANDS:
        result = run_cli(monkeypatch, *command, str(mixed_root))
        assert result.status in (0, 1), (command, result.err)
        assert result.out
    out = tmp_path / "out.md"
    assert run_cli(monkeypatch, "report", str(mixed_root), "-o", str(out)).status == 0
    assert run_cli(monkeypatch, "export", str(mixed_root), "-o", str(out)).status == 0
    assert _tree(mixed_root) == before


def test_the_app_writes_nothing_under_the_root(
    mixed_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfwatch.cli.parser import parse_args
    from tfwatch.ui.launch import create_app

    before = _tree(mixed_root)
    monkeypatch.chdir(mixed_root)
    args = parse_args([str(mixed_root), "--interval", "0.1"])
    app = create_app(args.roots, args)

    async def ticks() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(12):  # a few refresh ticks at 0.1 s
                await pilot.pause(0.1)
            assert app.session.tailer.polls >= 2
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x07" not in screen and "\u202e" not in screen

    asyncio.run(ticks())
    assert _tree(mixed_root) == before
