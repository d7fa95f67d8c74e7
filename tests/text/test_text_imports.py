"""tfwatch.text is the bottom layer: it imports nothing else of tfwatch, nor Textual."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["durations", "numbers", "safe_text", "sparkline", "json_numbers"]


def test_text_imports_no_other_tfwatch_package_nor_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {MODULES!r}: importlib.import_module('tfwatch.text.' + m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual'\n"
        "             or (m.startswith('tfwatch.') and not m.startswith('tfwatch.text')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
