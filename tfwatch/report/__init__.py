"""Comparison reports: a plain-data model of runs against a baseline, and its renderers.

``build_comparison(runs, tags, baseline)`` makes the model; ``render_markdown``,
``render_html``, ``write_json`` and ``write_csv`` turn it into each output format.
"""

from tfwatch.report.html import render_html
from tfwatch.report.markdown import render_markdown
from tfwatch.report.model import Comparison, build_comparison
from tfwatch.report.tabular import comparison_dict, write_csv, write_json

__all__ = [
    "Comparison",
    "build_comparison",
    "comparison_dict",
    "render_html",
    "render_markdown",
    "write_csv",
    "write_json",
]
