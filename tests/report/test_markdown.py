"""The Markdown report parsed by markdown-it-py: whole tables, inert names, Mermaid charts."""

from __future__ import annotations

from pathlib import Path

from tests.report.curves import HOSTILE_HPARAM, HOSTILE_RUN, HOSTILE_TAG, decay, rise
from tests.report.rendered import MARKDOWN, HtmlDoc, cell_count, markdown_tables
from tfwatch.cli.reporting import render
from tfwatch.loading import load_once
from tfwatch.text.safe_text import printable

#: What GitHub may show from our own markup; anything else came from a name.
ALLOWED_TAGS = {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "strong", "em",
                "code", "pre", "sub"}  # fmt: skip


def _shown(name: str) -> str:
    """How a name reads once rendered: control characters as escapes, mentions broken."""
    return printable(name).replace("@", "@\u2060")


def _report(root: Path, *, baseline: str | None = "base", metrics=None) -> str:
    runs = list(load_once([str(root)], retain_all=True).runs.values())
    return render("md", runs, metrics, baseline, None, None)


def _hostile_sweep(write_run) -> None:
    write_run(
        "base",
        {"train/loss": decay(2, 0.5, 30, 120), HOSTILE_TAG: rise(0.1, 0.8, 30, 120, 10)},
        {"lr": 0.01, HOSTILE_HPARAM: "<script>x</script>|y"},
    )
    write_run(
        HOSTILE_RUN,
        {"train/loss": decay(2, 0.3, 20, 120), HOSTILE_TAG: rise(0.1, 0.9, 20, 120, 10)},
        {"lr": 0.1, HOSTILE_HPARAM: "`sgd`"},
    )
    write_run("plain", {"train/loss": decay(2, 0.9, 60, 120)}, {"lr": 0.001})


def test_tables_parse_whole_with_hostile_names(write_run, tmp_path: Path) -> None:
    _hostile_sweep(write_run)
    text = _report(tmp_path)
    tables = markdown_tables(text)
    assert len(tables) >= 5  # overview, two metrics, race, hparams (+ importance)
    for table in tables:
        width = cell_count(table.lines[0])
        assert all(cell_count(line) == width for line in table.lines), table.lines
        assert all(len(row) == width for row in table.rows)
    overview = tables[0]
    assert overview.rows[0][1:] == ["train/loss (final)", f"{HOSTILE_TAG} (final)"]
    names = [row[0] for row in overview.rows[1:]]
    assert names == ["base (baseline)", _shown(HOSTILE_RUN), "plain"]
    loss = next(t for t in tables if t.rows[0][:2] == ["Run", "Trend"])
    assert [r[0] for r in loss.rows[1:]] == ["base", _shown(HOSTILE_RUN), "plain"]
    assert loss.rows[2][-2].startswith("↓ -") and loss.rows[2][-2].endswith("✓ better")
    assert loss.rows[3][-1] == "not reached" and loss.rows[1][-2] == "baseline"
    hparams = next(t for t in tables if t.rows[0][0] == "Run" and "lr" in t.rows[0])
    assert hparams.rows[0] == ["Run", "lr", _shown(HOSTILE_HPARAM)]
    assert hparams.rows[1][2] == "<script>x</script>|y" and hparams.rows[2][2] == "`sgd`"


def test_nothing_injected_into_the_rendered_page(write_run, tmp_path: Path) -> None:
    _hostile_sweep(write_run)
    text = _report(tmp_path)
    doc = HtmlDoc(MARKDOWN.render(text))
    assert doc.tag_names <= ALLOWED_TAGS, doc.tag_names - ALLOWED_TAGS
    shown = "".join(doc.text)
    assert "\x1b" not in shown and "@team" not in shown
    assert "<script>alert(1)</script>" in shown  # shown as text, not run
    # A newline in a name must not start a new line (or table row) in the source.
    assert not any(line.startswith("\x1b") or line.startswith("[31m") for line in text.split("\n"))


def test_one_mermaid_chart_per_metric(write_run, tmp_path: Path) -> None:
    _hostile_sweep(write_run)
    text = _report(tmp_path)
    fences = [t for t in MARKDOWN.parse(text) if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid", "mermaid"]
    for fence in fences:
        lines = fence.content.splitlines()
        assert lines[0].startswith("%%{init:") and lines[1] == "xychart-beta"
        body = lines[2:]
        assert all(line.startswith("    ") for line in body)
        for line in body:
            assert "`" not in line and "%" not in line and "\\" not in line
            if line.strip().startswith(("title", "x-axis", "y-axis")):
                assert line.count('"') == 2, line
        series = [line for line in body if line.strip().startswith("line [")]
        assert len(series) in (2, 3)
        widths = {len(line.split(",")) for line in series}
        assert widths == {40}  # every line on the same grid
        low, high = (float(v) for v in body[2].split('" ')[1].split(" --> "))
        for line in series:
            values = [float(v) for v in line.strip()[6:-1].split(",")]
            assert all(low <= v <= high for v in values)


def test_summary_and_health(write_run, tmp_path: Path) -> None:
    write_run("base", {"loss": decay(2, 0.5, 30, 100)}, {"lr": 0.1})
    write_run("nan", {"loss": [*decay(2, 0.5, 30, 50), (50, float("nan"))]}, {"lr": 1.0})
    text = _report(tmp_path, metrics=["loss"])
    first = text.splitlines()[2]
    assert first.startswith("2 runs, baseline base. Best final: loss → base (")
    tables = markdown_tables(text)
    health = next(t for t in tables if t.rows[0][:2] == ["Run", "Alert"])
    assert health.rows[1][:4] == ["nan", "nan", "loss", "50"]
