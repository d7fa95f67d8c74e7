"""``tfwatch report --group-by``: group tables and band charts over a real seeded sweep."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.writers import SEED_SWEEP, seed_sweep_loss, write_seed_sweep


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds")
    write_seed_sweep(root)
    return root


def test_markdown_has_group_tables_and_mermaid_bands(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(monkeypatch, "report", str(sweep), "--group-by", "hparams")
    assert result.status == 0, result.err
    section = result.out[result.out.index("### Groups (by hparams except seeds)") :]
    lasts = [seed_sweep_loss(lr, s, n - 1) for _, _, lr, _, s, n, _ in SEED_SWEEP if lr == 1e-2]
    mean, std = statistics.mean(lasts), statistics.stdev(lasts)
    row = next(ln for ln in section.splitlines() if ln.startswith("| lr=0.01 opt=adam"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "3/3"
    assert [float(x) for x in cells[2].split(" ± ")] == [
        pytest.approx(mean, abs=1e-4),
        pytest.approx(std, abs=1e-4),
    ]
    sgd = next(ln for ln in section.splitlines() if ln.startswith("| lr=0.001 opt=sgd"))
    assert "| 2/3 |" in sgd  # the NaN member is counted apart
    chart = section[section.index("````mermaid") :]
    assert len(re.findall(r"^    line \[", chart, flags=re.M)) == 9  # min, mean, max × 3
    assert "runs left: 2 from step 10, 1 from step 15; ends at step 19" in section
    assert section.index("### Groups") < result.out.index("<sub>tfwatch")  # before the footer


def test_html_shades_the_bands(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(monkeypatch, "report", str(sweep), "--group-by", "dir", "--format", "html")
    page = result.out
    assert "<h2>Groups (by parent directory)</h2>" in page
    assert page.count('fill-opacity="0.2"') == 3 and page.count('class="line"') >= 3
    assert page.index("Groups (by") < page.index("<footer>")


def test_hostile_group_labels_stay_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tensorboardX import SummaryWriter

    for seed in (1, 2):
        with SummaryWriter(str(tmp_path / "<img src=x>|x" / f"seed={seed}")) as writer:
            for step in range(5):
                writer.add_scalar("loss", 1.0 / (step + seed), step)
    md = run_cli(monkeypatch, "report", str(tmp_path), "--group-by", "dir").out
    html = run_cli(
        monkeypatch, "report", str(tmp_path), "--group-by", "dir", "--format", "html"
    ).out
    assert "<img" not in md and "<img" not in html
    assert "&lt;img src=x&gt;" in html


def test_without_group_by_the_report_is_unchanged(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = run_cli(monkeypatch, "report", str(sweep)).out
    assert "### Groups" not in plain
    bad = run_cli(monkeypatch, "report", str(sweep), "--group-by", "lr", "--format", "csv")
    assert bad.status == 2 and "ls --group-by --json" in bad.err
