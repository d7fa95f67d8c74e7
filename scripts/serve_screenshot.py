"""Regenerate ``screenshots/serve.png``: ``tfwatch serve`` on the demo sweep, in a
headless Chromium (Debian: ``apt-get install chromium chromium-driver``).

Usage: ``python scripts/serve_screenshot.py [OUT_FILE]``. The runs are the fixed demo
sweep; the browser is the one the tests drive (``tests/serve/browser.py``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serve.browser import headless_chromium, screen_text
from tests.serve.serve_process import running_serve
from tests.services.prometheus_server import wait_for
from tfwatch.demo import TRAINERS, write_fixed

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots" / "serve.png"
    with tempfile.TemporaryDirectory(prefix="tfwatch-serve-shot-") as tmp:
        logs = Path(tmp, "sweep")
        write_fixed(str(logs), steps=600)
        with (
            running_serve([logs], Path(tmp, "serve.log")) as serve,
            headless_chromium(1280, 720) as driver,
        ):
            driver.get(serve.url + "/")
            everyone = f"{len(TRAINERS)}/{len(TRAINERS)} runs"
            wait_for("the runs table", lambda: everyone in screen_text(driver) or None)
            # The sparklines and states settle on the next refresh ticks.
            first = screen_text(driver)
            wait_for("a refresh", lambda: screen_text(driver) != first or None)
            driver.save_screenshot(str(out))
    print(out)


if __name__ == "__main__":
    main()
