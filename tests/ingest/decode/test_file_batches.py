"""Short runs decoded together (``file_batches``) keep exactly what each file read on its
own keeps: every writer's files, restarts, damage, tensor scalars whose metadata came in
an earlier file of the run, and runs of every length around the block thresholds."""

from __future__ import annotations

import os
import shutil
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.decode import file_batches
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.reads import RunReadRequest, read_file, read_runs_together
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.tailer import PollResult, Tailer
from tfwatch.ingest.tfrecord.framing import frame
from tfwatch.store.runs import Run, RunFactory

WRITERS = Path(__file__).parents[2] / "fixtures" / "writers"


def _listed(root: Path) -> tuple[Tailer, list[tuple[Any, Run, Any, int]]]:
    t = Tailer([("", LocalSource(str(root)))], RunFactory(retain_all=True), workers=1)
    result = PollResult()
    ((listed, _),) = t._list_roots()
    return t, t._reconcile(t._roots[0], listed or [], result)


def _alone(root: Path) -> dict[str, Any]:
    """Each file read on its own, as the tailer's serial path does."""
    t, work = _listed(root)
    for r, run, state, size in work:
        read_file(r.source, run, state, size, True, t._plugins[run.name], time.time())
    return {name: _state(run, t._plugins[name]) for name, run in t.runs.items()}


def _together(root: Path, per_call: int) -> dict[str, Any]:
    """``per_call`` runs at a time read by :func:`read_runs_together`."""
    t, work = _listed(root)
    files: dict[str, list[tuple[str, int]]] = {}
    for _, run, state, size in work:
        files.setdefault(run.name, []).append((state.path, size))
    reads = [
        RunReadRequest(t._roots[0].source, t.runs[name], t._plugins[name], f)
        for name, f in files.items()
    ]
    for k in range(0, len(reads), per_call):
        read_runs_together(reads[k : k + per_call], True, time.time())
        assert all(not r.errors for r in reads[k : k + per_call])
    return {name: _state(run, t._plugins[name]) for name, run in t.runs.items()}


def _bits(values: np.ndarray) -> list[bytes]:
    return [struct.pack("<d", v) for v in values.tolist()]  # -0.0 and NaNs kept apart


def _state(run: Run, plugins: TagPlugins) -> dict[str, Any]:
    """Everything a read keeps of a run that a reader could see."""
    scalars = {}
    for tag, s in sorted(run.scalars.items()):
        pts = s.recent()
        scalars[tag] = (
            pts.steps.tolist(),
            _bits(pts.values),
            pts.wall_times.tolist(),
            (s.count, s.last_step, s.min_step, s.max_step, s.nan_count, s.inf_count),
            _bits(np.asarray([s.min_value, s.max_value, s.last_value])),
        )
    return {
        "scalars": scalars,
        "histograms": {
            t: [(p.step, p.num, p.sum, p.bucket_counts.tolist()) for p in h.recent()]
            for t, h in sorted(run.histograms.items())
        },
        "hparams": dict(run.hparams),
        "final_metrics": dict(run.final_metrics),
        "text": sorted(run.text_tags),
        "images": sorted(run.image_tags),
        "events": run.events,
        "last_wall": run.last_wall_time,
        "damage": [(d.file, d.offset, d.kind, d.skipped_bytes) for d in run.damage],
        "files": {p: (f.offset, f.records, f.pending) for p, f in run.files.items()},
        "plugins": dict(plugins.plugin),
    }


@pytest.mark.parametrize("per_call", [1, 3, 100])
def test_every_writers_runs_read_together_keep_what_they_keep_alone(per_call: int) -> None:
    """The fixtures hold TF1, TF2, Keras, PyTorch, tensorboardX and TensorBoard's own
    writer: tensor scalars, histograms, hparams, text, a restarted run, nested runs."""
    assert _together(WRITERS, per_call) == _alone(WRITERS)


def _training_run(directory: Path, steps: int, seed: int, evaluate: int = 25) -> None:
    """What a training loop writes with tensorboardX: every step its tags in one order,
    an evaluation every ``evaluate`` steps (0: none)."""
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(directory))
    for s in range(steps):
        for j in range(3):
            w.add_scalar(f"train/m{j}", (s + j + seed) / 7, s)
        if evaluate and s % evaluate == 0:
            w.add_scalar("eval/acc", s / 1000, s)
    w.close()


def _sweep(tmp_path: Path, tbx_run) -> Path:  # type: ignore[no-untyped-def]
    """Runs of a sweep: lengths on both sides of the step-128 varint growth and of a
    block's minimum, one written tag after tag, non-finite values, a run restarted from a
    checkpoint (a second file that repeats steps), a writer that wrote nothing."""
    for k, steps in enumerate([1, 5, 60, 127, 128, 129, 300, 1000, 1000]):
        _training_run(tmp_path / "sweep" / f"trial{k}", steps, seed=k)
    points = {f"m{j}": [(s, s / (j + 1)) for s in range(300)] for j in range(3)}
    points["m1"][50] = (50, float("nan"))
    points["m2"][51] = (51, float("-inf"))
    tbx_run("sweep/tag_after_tag", points)
    tbx_run("sweep/opened_and_closed", {})  # its file holds the version event alone
    tbx_run("sweep/trial_restart", {"loss": [(s, s / 3) for s in range(400)]})
    (first,) = (tmp_path / "sweep/trial_restart").iterdir()
    first.rename(first.with_name("events.out.tfevents.0001.host"))
    tbx_run("sweep/trial_restart", {"loss": [(s, -s / 3) for s in range(300, 700)]})
    return tmp_path / "sweep"


def test_a_sweep_read_together_keeps_what_each_run_keeps_alone(tmp_path: Path, tbx_run) -> None:
    root = _sweep(tmp_path, tbx_run)
    alone = _alone(root)
    assert alone["trial_restart"]["scalars"]["loss"][3][1] == 699  # the restart rule held
    for per_call in (2, 100):
        assert _together(root, per_call) == alone


def test_a_sweep_is_read_in_few_blocks(tmp_path: Path, tbx_run, monkeypatch) -> None:
    """The point of reading together: rows of every file with the same layout are read as
    one block, instead of a block or two per file."""
    from tfwatch.ingest.decode import scalar_segments

    lengths = [127, 128, 129, 300, 1000, 1000]
    for k, steps in enumerate(lengths):
        _training_run(tmp_path / f"trial{k}", steps, seed=k, evaluate=0)
    blocks: list[int] = []
    real = scalar_segments.read_block

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        block = real(*args, **kwargs)
        blocks.append(0 if block is None else block.rows)
        return block

    monkeypatch.setattr(scalar_segments, "read_block", counted)
    together = _together(tmp_path, 100)
    read, blocks[:] = [rows for rows in blocks if rows], []
    assert together == _alone(tmp_path)
    # Together: the rows before step 128 of every run in one block, those after in one
    # (a row or so a run is left to the matcher: step 0 is written without a step).
    # Alone, only the two longest runs have enough rows for a block (after step 128).
    assert len(read) == 2 and sum(read) >= sum(lengths) - 2 * len(lengths), read
    assert [rows for rows in blocks if rows] == [872, 872]


def test_a_damaged_file_among_others_is_reported_as_alone(tmp_path: Path, tbx_run) -> None:
    root = _sweep(tmp_path, tbx_run)
    victim = only_event_file(root / "trial6")
    data = bytearray(victim.read_bytes())
    _, end = record_spans(bytes(data))[700]
    data[end - 6] ^= 0x20  # a value byte: only the payload CRC can tell
    victim.write_bytes(bytes(data))
    alone = _alone(root)
    assert [d[2] for d in alone["trial6"]["damage"]] == ["payload_crc"]
    assert _together(root, 100) == alone


def test_cut_short_and_empty_files_are_read_alone_beside_the_others(
    tmp_path: Path, tbx_run
) -> None:
    root = _sweep(tmp_path, tbx_run)
    cut = only_event_file(root / "trial7")
    cut.write_bytes(cut.read_bytes()[:-7])
    an_hour_ago = time.time() - 3600  # long unwritten: the cut is damage, not a live tail
    os.utime(cut, (an_hour_ago, an_hour_ago))
    (root / "trial0" / "events.out.tfevents.9999.empty").write_bytes(b"")
    alone = _alone(root)
    assert [d[2] for d in alone["trial7"]["damage"]] == ["truncated"]
    assert _together(root, 100) == alone


def test_files_that_are_not_whole_and_clean_are_not_batched(tmp_path: Path, tbx_run) -> None:
    run = tbx_run("one", {"loss": [(s, s / 3) for s in range(200)]})
    data = only_event_file(run).read_bytes()
    assert file_batches.batchable(frame(data, final=True, verify_payloads=False), len(data))
    assert not file_batches.batchable(frame(data[:-3], final=False, verify_payloads=False), 0)
    assert not file_batches.batchable(frame(data[:-3], final=True, verify_payloads=False), 0)
    big = file_batches.MAX_FILE_BYTES + 1
    assert not file_batches.batchable(frame(data, final=True, verify_payloads=False), big)


def test_tensor_scalars_declared_in_an_earlier_file_of_the_run(tmp_path: Path) -> None:
    """TF1's FileWriter writes a tag's metadata on its first event only: a run's second
    file holds bare tensors that are scalars because its first file said so. Read
    together with another run that never declared the same tag, each keeps its own."""
    fixture = WRITERS / "tf1_filewriter"
    if not any(fixture.rglob("*tfevents*")):
        pytest.skip("no TF1 fixture")
    for k in range(2):
        shutil.copytree(fixture, tmp_path / f"copy{k}")
    assert _together(tmp_path, 100) == _alone(tmp_path)


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Four short runs as a training loop writes them: their files' bytes."""
    root = tmp_path_factory.mktemp("small_sweep")
    for k, steps in enumerate([150, 200, 260, 300]):
        _training_run(root / f"trial{k}", steps, seed=k, evaluate=40)
    return {f"trial{k}": only_event_file(root / f"trial{k}").read_bytes() for k in range(4)}


@pytest.mark.parametrize("seed", range(24))
def test_damage_anywhere_in_a_sweep_reads_as_alone(
    small_sweep: dict[str, bytes], tmp_path: Path, seed: int
) -> None:
    """Fuzz: flipped bits, a cut, or inserted junk in one file of four read together."""
    rng = np.random.default_rng(seed)
    victim = f"trial{seed % 4}"
    for name, data in small_sweep.items():
        if name == victim:
            at = int(rng.integers(0, len(data)))
            if seed % 3 == 0:
                data = data[:at] + bytes(rng.integers(0, 256, 40, dtype=np.uint8)) + data[at:]
            elif seed % 3 == 1:
                data = data[:at]
            else:
                bad = bytearray(data)
                for i in rng.integers(0, len(data), 3).tolist():
                    bad[i] ^= 1 << int(rng.integers(0, 8))
                data = bytes(bad)
        (tmp_path / name).mkdir()
        (tmp_path / name / "events.out.tfevents.1.host").write_bytes(data)
    assert _together(tmp_path, 100) == _alone(tmp_path)
