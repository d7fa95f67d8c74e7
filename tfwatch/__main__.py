"""``python -m tfwatch``."""

from tfwatch.cli import main

raise SystemExit(main())
