"""The live session is domain code: importing every module of it loads no Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tfwatch.live


def test_live_modules_do_not_import_textual() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(tfwatch.live.__path__, "tfwatch.live."))
    assert "tfwatch.live.session" in names and "tfwatch.live.factory" in names
    code = (
        "import importlib, sys\n"
        f"for m in {names!r}: importlib.import_module(m)\n"
        "ui = ('textual', 'textual_plotext')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ui)\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
