"""Regenerate docs/example-report.md and docs/example-report.html from the demo data.

The demo sweep is written with fixed wall times and the report is stamped with the demo's
last wall time, so running this twice gives byte-identical files.

    python scripts/example_report.py [OUT_DIR]   # default: docs/
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tfwatch.analysis import HealthConfig
from tfwatch.cli.reporting import pick_metrics
from tfwatch.demo import fixed_end_time, write_fixed
from tfwatch.loading import load_once
from tfwatch.report.html import render_html
from tfwatch.report.markdown import render_markdown
from tfwatch.report.model import build_comparison

STEPS = 600
BASELINE = "baseline[bs=64]"


def main(out_dir: Path) -> None:
    """Write the demo sweep to a temporary directory and both reports to ``out_dir``."""
    with tempfile.TemporaryDirectory(prefix="tfwatch-example-") as root:
        write_fixed(root, STEPS)
        runs = list(load_once([root], retain_all=True).runs.values())
        config = HealthConfig()
        tags = pick_metrics(runs, None, config)
        report = build_comparison(runs, tags, BASELINE, config, now=fixed_end_time(STEPS))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "example-report.md").write_text(render_markdown(report), encoding="utf-8")
    (out_dir / "example-report.html").write_text(render_html(report), encoding="utf-8")
    print(f"wrote {out_dir / 'example-report.md'} and {out_dir / 'example-report.html'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "docs")
