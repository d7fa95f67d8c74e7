"""``add_hparams``' own directories fold into their runs: a sweep written by the real
tensorboardX and PyTorch writers shows its runs, not a phantom row per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.writers import (
    HPARAMS_SWEEP,
    any_summary_writer,
    only_event_file,
    write_hparams_sweep,
)
from tfwatch.ingest.discovery import parse_roots
from tfwatch.ingest.hparams_sessions import session_layout, timestamp_name
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import Tailer
from tfwatch.loading import load_once
from tfwatch.store.runs import RunFactory

REAL_RUNS = sorted(name for _, name, *_ in HPARAMS_SWEEP)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sweep")
    write_hparams_sweep(root)
    return root


def _tfwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfwatch", *args], capture_output=True, text=True, timeout=120
    )


def test_sweep_on_disk_has_a_session_directory_per_run(sweep: Path) -> None:
    """The layout the fold is about: each run holds its own events and a child
    directory (a float timestamp, or the name given) holding the hparams."""
    for _, name, *_rest, session in HPARAMS_SWEEP:
        children = [p for p in (sweep / name).iterdir() if p.is_dir()]
        assert len(children) == 1
        assert children[0].name == session if session else timestamp_name(children[0].name)
        head = only_event_file(children[0]).read_bytes()
        assert session_layout(head) is True
        assert session_layout(only_event_file(sweep / name).read_bytes()) is False


def test_sessions_fold_into_their_runs(sweep: Path) -> None:
    runs = load_once([str(sweep)]).runs
    assert sorted(runs) == REAL_RUNS  # no phantom rows
    for _, name, lr, opt, accuracy, _session in HPARAMS_SWEEP:
        run = runs[name]
        assert run.hparams == {"lr": pytest.approx(lr), "opt": opt}
        assert run.final_metrics == {"hparam/accuracy": pytest.approx(accuracy)}
        assert sorted(run.scalars) == ["train/loss"]  # not a training tag
        assert run.last_step == 19
        assert len(run.files) == 2  # the session's file is read as the run's


def test_ls_json_rows_carry_hparams_and_final_metrics(sweep: Path) -> None:
    out = _tfwatch("ls", str(sweep), "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)["runs"]}
    assert sorted(rows) == REAL_RUNS
    for _, name, lr, opt, accuracy, _session in HPARAMS_SWEEP:
        assert rows[name]["hparams"] == {"lr": pytest.approx(lr), "opt": opt}
        assert rows[name]["final_metrics"] == {"hparam/accuracy": pytest.approx(accuracy)}
        assert rows[name]["scalar_tags"] == 1


def test_export_and_check_have_no_phantom_runs(sweep: Path) -> None:
    exported = _tfwatch("export", str(sweep))
    assert exported.returncode == 0, exported.stderr
    runs = json.loads(exported.stdout)["runs"]
    assert sorted(runs) == REAL_RUNS
    assert all(list(r["scalars"]) == ["train/loss"] for r in runs.values())
    assert runs["torch/f"]["final_metrics"] == {"hparam/accuracy": pytest.approx(0.79)}
    checked = _tfwatch("check", str(sweep), "--json")
    assert json.loads(checked.stdout)["runs"] == len(REAL_RUNS), checked.stderr


def test_report_fills_the_hparams_table_and_leaves_hparam_metrics_out(sweep: Path) -> None:
    out = _tfwatch("report", str(sweep), "--format", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert sorted(r["name"] for r in report["runs"]) == REAL_RUNS
    assert report["differing_hparams"] == ["lr", "opt"]
    assert [m["tag"] for m in report["metrics"]] == ["train/loss"]
    md = _tfwatch("report", str(sweep)).stdout
    table = md[md.index("### Hparams that differ") :]
    assert "| Run | lr | opt | hparam/accuracy |" in table
    row = next(line for line in table.splitlines() if line.startswith("| tbx/c "))
    assert "0.0003" in row and "adam" in row and "0.85" in row


def test_a_session_written_while_tailing_joins_its_run(tmp_path: Path) -> None:
    """A live run calls add_hparams after the tailer has seen it: no new run appears
    and the hparams show on the next poll."""
    SummaryWriter = any_summary_writer()

    writer = SummaryWriter(str(tmp_path / "live"))
    tailer = Tailer(
        [(s.label, LocalSource(s.path)) for s in parse_roots([str(tmp_path)])], RunFactory()
    )
    for step in range(5):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.flush()
    tailer.poll()
    assert list(tailer.runs) == ["live"] and not tailer.runs["live"].hparams
    writer.add_hparams({"lr": 0.1, "layers": 4}, {"hparam/loss": 0.2})
    writer.flush()
    result = tailer.poll()
    assert result.new_runs == [] and list(tailer.runs) == ["live"]
    run = tailer.runs["live"]
    assert run.hparams == {"lr": pytest.approx(0.1), "layers": 4.0}
    assert run.final_metrics == {"hparam/loss": pytest.approx(0.2)}
    assert list(run.scalars) == ["loss"]
    writer.close()


def test_a_session_without_the_run_s_own_events_is_named_after_the_run(tmp_path: Path) -> None:
    """Only the session directory was kept (the run's own events deleted, or never
    written): the run keeps its directory's name and holds the hparams."""
    import tensorboardX

    with tensorboardX.SummaryWriter(str(tmp_path / "only")) as writer:
        writer.add_hparams({"opt": "adam"}, {"hparam/accuracy": 0.5})
    os.remove(only_event_file(tmp_path / "only"))
    runs = load_once([str(tmp_path)]).runs
    assert list(runs) == ["only"]
    assert runs["only"].hparams == {"opt": "adam"}
    assert runs["only"].final_metrics == {"hparam/accuracy": pytest.approx(0.5)}


def test_tf2_hparams_runs_under_an_experiment_are_not_folded(tmp_path: Path) -> None:
    """TensorBoard's own hparams API: the experiment in the parent, a session start at
    the head of each real trial run. Those trials stay runs."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.hparams import summary_v2 as hp
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    def write(directory: Path, summaries: list[object]) -> None:
        w = EventFileWriter(str(directory))
        for step, summary in enumerate(summaries):
            w.add_event(Event(wall_time=1.0 + step, step=step, summary=summary))
        w.close()

    write(tmp_path, [hp.hparams_config_pb([hp.HParam("lr")], [hp.Metric("acc")])])
    trial = hp.hparams_pb({"lr": 0.1}, trial_id="t0")
    write(tmp_path / "t0", [trial, Summary(value=[Summary.Value(tag="acc", simple_value=0.5)])])
    runs = load_once([str(tmp_path)]).runs
    assert sorted(runs) == [".", "t0"]
    assert runs["t0"].hparams == {"lr": pytest.approx(0.1)} and "acc" in runs["t0"].scalars
