"""Import modules in a fresh interpreter and say what else that loaded: the one check
behind every "this layer imports no Textual / nothing above it" test."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence


def modules_loaded_by(modules: Sequence[str]) -> list[str]:
    """Every module in ``sys.modules`` after importing ``modules`` in a new interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {list(modules)!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def textual_modules(loaded: Sequence[str]) -> list[str]:
    """The Textual (and textual-plotext) modules among ``loaded``."""
    return [m for m in loaded if m.split(".")[0] in ("textual", "textual_plotext")]
