"""`tfwatch check` end to end: alerts printed, exit status by kind, JSON, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _tfwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args], capture_output=True, text=True, timeout=120
    )


def _curves(tbx_run) -> None:
    healthy = [(s, 2.0 * 0.99**s + 0.05) for s in range(300)]
    nan_at = [(s, 2.0 * 0.99**s if s < 200 else float("nan")) for s in range(300)]
    tbx_run("good", {"loss": healthy})
    tbx_run("bad", {"loss": nan_at})


def test_nan_fails_the_check_with_its_step(tbx_run, tmp_path: Path) -> None:
    _curves(tbx_run)
    res = _tfwatch("check", str(tmp_path))
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("FAIL")]
    assert any("bad" in ln and "nan" in ln and "loss@200" in ln for ln in lines), res.stdout
    assert not any(" good " in ln for ln in lines)


def test_json_and_fail_on_selection(tbx_run, tmp_path: Path) -> None:
    _curves(tbx_run)
    res = _tfwatch("check", str(tmp_path), "--json", "--fail-on", "plateau")
    data = json.loads(res.stdout)
    nan = [a for a in data["alerts"] if a["kind"] == "nan"]
    assert nan and nan[0]["run"] == "bad" and nan[0]["tag"] == "loss" and nan[0]["step"] == 200
    assert set(nan[0]) >= {"run", "tag", "step", "kind", "message"}
    # nan is present but only plateau fails this check.
    assert res.returncode == (1 if any(a["kind"] == "plateau" for a in data["alerts"]) else 0)


def test_healthy_runs_pass(tbx_run, tmp_path: Path) -> None:
    tbx_run("good", {"loss": [(s, 2.0 * 0.99**s + 0.05) for s in range(300)]})
    res = _tfwatch("check", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr


def test_bad_input_exits_2(tmp_path: Path) -> None:
    assert _tfwatch("check", str(tmp_path / "missing")).returncode == 2
    (tmp_path / "r").mkdir()
    res = _tfwatch("check", str(tmp_path), "--fail-on", "nope")
    assert res.returncode == 2 and "unknown kind" in res.stderr and "Traceback" not in res.stderr
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[detectors.plateau]\npatience = 'x'\n")
    res = _tfwatch("check", str(tmp_path), "--config", str(cfg))
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr


def test_converged_is_information_and_never_fails(tmp_path: Path) -> None:
    from tfwatch.demo import write_fixed

    write_fixed(str(tmp_path), 600)
    res = _tfwatch("check", str(tmp_path), "--fail-on", "converged")
    assert res.returncode == 0, res.stdout + res.stderr
    info = [ln for ln in res.stdout.splitlines() if ln.startswith("info")]
    assert any("sweep/lr=0.1  converged  train/loss@" in ln for ln in info), res.stdout
    assert "EarlyStopping would stop here" in res.stdout
    data = json.loads(_tfwatch("check", str(tmp_path), "--json", "--fail-on", "all").stdout)
    severities = {a["kind"]: a["severity"] for a in data["alerts"]}
    assert severities["converged"] == "info" and severities["nan"] == "warning"


def test_since_leaves_out_what_was_already_there(tmp_path: Path) -> None:
    from tfwatch.demo import write_fixed

    write_fixed(str(tmp_path), 600)  # written with fixed wall times, long ago
    assert _tfwatch("check", str(tmp_path)).returncode == 1  # the demo's NaN run
    res = _tfwatch("check", str(tmp_path), "--since", "2h")
    assert res.returncode == 0, res.stdout
    assert "0 alert(s)" in res.stdout
    res = _tfwatch("check", str(tmp_path), "--since", "soon")
    assert res.returncode == 2 and "not a duration" in res.stderr
    assert "Traceback" not in res.stderr
