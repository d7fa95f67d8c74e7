"""The system package is domain code: importing it must not pull in Textual."""

from __future__ import annotations

import subprocess
import sys


def test_system_modules_import_without_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, tfwatch.system as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module('tfwatch.system.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.startswith('tfwatch.system.')))\n"
        "assert 'textual' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "tfwatch.system.sampler" in out.stdout and "tfwatch.system.run_state" in out.stdout
