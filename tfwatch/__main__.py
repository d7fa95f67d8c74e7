"""``python -m tfwatch``."""

from tfwatch.cli import run

run()
