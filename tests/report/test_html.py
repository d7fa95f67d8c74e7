"""The HTML report read back by a real parser: self-contained, inert names, same content."""

from __future__ import annotations

from pathlib import Path

from tests.report.curves import HOSTILE_HPARAM, HOSTILE_RUN, HOSTILE_TAG, decay, rise
from tests.report.rendered import HtmlDoc
from tfwatch.cli.reporting import render
from tfwatch.loading import load_once
from tfwatch.text.safe_text import printable

#: The elements the report itself writes; anything else would be injected.
OWN_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "em", "strong",
            "br", "span", "div", "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
            "footer", "svg", "rect", "line", "text", "polyline", "polygon"}  # fmt: skip


def _html(tmp_path: Path, write_run) -> str:
    write_run(
        "base",
        {"train/loss": decay(2, 0.5, 30, 120), HOSTILE_TAG: rise(0.1, 0.8, 30, 120, 10)},
        {"lr": 0.01, HOSTILE_HPARAM: "<script>x</script>"},
    )
    write_run(
        HOSTILE_RUN,
        {"train/loss": decay(2, 0.3, 20, 120), HOSTILE_TAG: rise(0.1, 0.9, 20, 120, 10)},
        {"lr": 0.1, HOSTILE_HPARAM: '"><img src=x>'},
    )
    runs = list(load_once([str(tmp_path)], retain_all=True).runs.values())
    return render("html", runs, None, "base", None, None)


def test_self_contained_and_nothing_injected(write_run, tmp_path: Path) -> None:
    page = _html(tmp_path, write_run)
    doc = HtmlDoc(page)
    assert doc.tag_names <= OWN_TAGS, doc.tag_names - OWN_TAGS
    for tag, attrs in doc.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("src", "href"):
            assert key not in attrs, (tag, attrs)
    csp = [a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0] or "")
    viewport = [a for t, a in doc.tags if t == "meta" and a.get("name") == "viewport"]
    assert viewport, "phone layout needs the viewport meta"
    # Nothing fetched: the only URL is the SVG namespace.
    assert page.replace("http://www.w3.org/2000/svg", "").count("://") == 0
    text = "".join(doc.text)
    assert "\x1b" not in text and printable(HOSTILE_RUN) in text


def test_same_content_as_the_markdown(write_run, tmp_path: Path) -> None:
    doc = HtmlDoc(_html(tmp_path, write_run))
    rows = [r for r in doc.cells if r]
    header = rows[0]
    assert header == ["Run", "train/loss (final)", f"{HOSTILE_TAG} (final)"]
    names = [r[0] for r in rows[1:3]]
    assert names == ["base (baseline)", printable(HOSTILE_RUN)]
    assert all(len(r) == 3 for r in rows[1:3])
    svgs = [a for t, a in doc.tags if t == "svg" and a.get("class") == "chart"]
    assert len(svgs) == 2  # one chart per metric
    lines = [a for t, a in doc.tags if t == "polyline"]
    assert len(lines) == 4 and len({a["stroke"] for a in lines}) == 2
    hparam_cells = [c for r in doc.cells for c in r]
    assert "<script>x</script>" in hparam_cells and '"><img src=x>' in hparam_cells
    headings = [d for d in doc.text if d.startswith(("Who got", "Hparam", "Health"))]
    assert headings[:2] == ["Who got there first", "Hparams that differ"]
