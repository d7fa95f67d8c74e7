"""The demo's sweep written with fixed wall times: what the session and app tests read.

The ``demo_root`` fixture (``tests/conftest.py``) writes it once per test session.
"""

from __future__ import annotations

from pathlib import Path

from tfwatch.demo import fixed_end_time, write_fixed

DEMO_STEPS = 600
#: A clock a few seconds after the last written step, so ages and states are fixed.
FIXED_NOW = fixed_end_time(DEMO_STEPS) + 5.0


def write_demo_root(root: Path) -> Path:
    """Write the demo's sweep into ``root``."""
    write_fixed(str(root), DEMO_STEPS)
    return root
