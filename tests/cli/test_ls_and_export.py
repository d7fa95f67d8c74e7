"""`tfwatch ls` and `tfwatch export` end to end, in a subprocess like a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tfwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args], capture_output=True, text=True, timeout=60
    )


def test_ls_table_json_csv(tbx_run, tmp_path: Path) -> None:
    tbx_run("a", {"loss": [(0, 2.0), (10, 1.0), (20, 0.5)], "acc": [(20, 0.9)]})
    tbx_run("b\x1b[31m", {"loss": [(0, 3.0)]})
    table = _tfwatch("ls", str(tmp_path), "--tags", "loss")
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "b\\x1b[31m" in table.stdout
    lines = table.stdout.splitlines()
    assert lines[0].split()[:6] == ["RUN", "STATE", "STEP", "UPDATED", "TAGS", "POINTS"]
    assert lines[1].split()[0] == "a" and "0.5000" in lines[1]
    data = json.loads(_tfwatch("ls", str(tmp_path), "--json", "--tags", "l*").stdout)
    row = {r["name"]: r for r in data["runs"]}["a"]
    assert row["last_step"] == 20 and row["scalar_tags"] == 2 and row["points"] == 4
    assert row["metrics"]["loss"] == {"last": 0.5, "min": 0.5, "max": 2.0, "last_step": 20}
    csv_out = _tfwatch("ls", str(tmp_path), "--csv", "--tags", "loss").stdout.splitlines()
    assert csv_out[0].startswith("name,last_step") and csv_out[1].startswith("a,20,")


def test_export_shape_and_non_finite(tbx_run, tmp_path: Path) -> None:
    tbx_run("r", {"loss": [(0, 1.0), (1, float("nan")), (2, float("inf")), (3, float("-inf"))]})
    out = _tfwatch("export", str(tmp_path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == {
        "runs": {
            "r": {
                "scalars": {"loss": [[0, 1.0], [1, "NaN"], [2, "Infinity"], [3, "-Infinity"]]},
                "hparams": {},
                "final_metrics": {},
                "damage": [],
                "incomplete_tails": [],
            }
        }
    }


def test_export_keeps_every_point_and_filters(tbx_run, tmp_path: Path) -> None:
    tbx_run("keep", {"loss": [(i, float(i)) for i in range(5000)], "acc": [(0, 0.1)]})
    tbx_run("skip", {"loss": [(0, 1.0)]})
    out = tmp_path / "out.json"
    res = _tfwatch("export", str(tmp_path), "--run", "^ke", "--tags", "lo*", "-o", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert list(data["runs"]) == ["keep"] and list(data["runs"]["keep"]["scalars"]) == ["loss"]
    assert data["runs"]["keep"]["scalars"]["loss"] == [[i, float(i)] for i in range(5000)]
    csv_out = _tfwatch("export", str(tmp_path), "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "run,tag,step,value,wall_time" and len(csv_out) == 1 + 5002


def test_bad_roots_give_one_clear_line(tmp_path: Path) -> None:
    missing = _tfwatch("ls", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    (tmp_path / "empty").mkdir()
    empty = _tfwatch("export", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "no runs found" in empty.stderr


def test_ls_imports_only_what_it_uses(tbx_run, tmp_path: Path) -> None:
    """Not the app's toolkit, nor what only other commands or platforms need (each
    costs `ls` milliseconds of start-up)."""
    tbx_run("a", {"loss": [(0, 2.0)]})
    unused = ["textual", "psutil", "numpy.ma", "statistics", "concurrent.futures"]
    unused.append("multiprocessing")  # worker processes are forked without it
    code = (
        "import sys; from tfwatch.cli import main; main(['ls', sys.argv[1]]);"
        f"loaded = [m for m in {unused!r} if m in sys.modules];"
        "assert not loaded, f'imported: {loaded}'"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_on_a_full_disk_is_one_clear_line(tbx_run, tmp_path: Path) -> None:
    """Whether the write fails while the command prints (export's many points) or only
    when the output is flushed at exit (a short table)."""
    tbx_run("a", {"loss": [(s, 1.0 / (s + 1)) for s in range(3000)]})
    for args in (["ls", str(tmp_path)], ["export", str(tmp_path)]):
        with open("/dev/full", "w") as full:
            res = subprocess.run(
                [sys.executable, "-m", "tfwatch", *args],
                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
            )  # fmt: skip
        assert res.returncode == 1, (args, res.stderr)
        assert res.stderr == "tfwatch: cannot write the output: No space left on device\n"


def test_a_reader_gone_before_the_output_is_no_error(tbx_run, tmp_path: Path) -> None:
    """`tfwatch ls | head -0`: the pipe is closed before anything is written."""
    tbx_run("a", {"loss": [(0, 2.0)]})
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        res = subprocess.run(
            [sys.executable, "-m", "tfwatch", "ls", str(tmp_path)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert res.returncode == 0 and res.stderr == ""


def test_an_os_error_no_command_described_is_still_one_honest_line() -> None:
    import errno

    from tfwatch.cli import _os_error

    assert _os_error(OSError(errno.ENOSPC, "No space left on device")) == (
        "cannot write the output: No space left on device"
    )
    assert _os_error(FileNotFoundError(errno.ENOENT, "No such file", "/x/y")) == (
        "/x/y: No such file"
    )
    other = _os_error(OSError(errno.ECONNRESET, "Connection reset by peer"))
    assert "output" not in other and "Connection reset" in other
