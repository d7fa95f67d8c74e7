"""A root's runs kept in one pack file: used as the ``.run`` files were, and any doubt
about the pack, one of its entries or the files an entry describes means reading again,
never wrong data."""

from __future__ import annotations

from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

from tests.cache.runs_compared import assert_same_as_cold, load
from tests.cache.shared_cache import ls_twice_at_once
from tests.writers import only_event_file
from tfwatch.cache import run_codec
from tfwatch.cache.run_cache import RunCache
from tfwatch.cache.run_codec import decode_run
from tfwatch.cache.run_pack import pack_pieces, read_pack


def _root(tmp_path: Path, runs: int = 4, steps: int = 1500) -> Path:
    root = tmp_path / "logs"
    for k in range(runs):
        w = SummaryWriter(str(root / f"run{k}"), flush_secs=3600)
        for step in range(steps):
            w.add_scalar("train/loss", (1.0 + k) / (1 + step), step)
            w.add_scalar("val/acc", step / 3000, step)
        w.close()
    return root


def _packed(tmp_path: Path, private_cache: Path, runs: int = 4) -> tuple[Path, Path]:
    """A root loaded twice: its runs kept in ``.run`` files, then repacked."""
    root = _root(tmp_path, runs)
    load(root, RunCache())
    assert len(list(private_cache.rglob("*.run"))) == runs
    cache = RunCache(repack_at=1)
    load(root, cache)
    assert cache.used == runs
    (pack,) = private_cache.rglob("runs.pack")
    assert not list(private_cache.rglob("*.run"))  # merged into the pack
    return root, pack


def test_a_restart_from_the_pack_reads_nothing(tmp_path: Path, private_cache: Path) -> None:
    root, pack = _packed(tmp_path, private_cache)
    with open(pack, "rb", buffering=0) as f:
        assert len(read_pack(f)) == 4
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 4 and not cache.doubts
    assert warm.progress == (0, 0)
    assert_same_as_cold(root, warm)


def test_a_run_kept_after_the_pack_is_used_instead_of_its_entry(
    tmp_path: Path, private_cache: Path
) -> None:
    root, _ = _packed(tmp_path, private_cache)
    w = SummaryWriter(str(root / "run1"), flush_secs=3600, filename_suffix=".b")
    for step in range(1500, 1700):
        w.add_scalar("train/loss", 0.25, step)
    w.close()
    grown = RunCache()
    load(root, grown)  # reads run1's new file, keeps run1 in a .run file
    assert grown.used == 4
    assert len(list(private_cache.rglob("*.run"))) == 1
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 4 and not cache.doubts
    assert warm.progress == (0, 0)  # the .run file, not the pack's older entry
    assert warm.runs["run1"].scalars["train/loss"].last_step == 1699
    assert_same_as_cold(root, warm)


def test_an_entry_whose_files_changed_is_read_again(tmp_path: Path, private_cache: Path) -> None:
    """The pack names a run whose file was replaced by another one; another run grew."""
    root, _ = _packed(tmp_path, private_cache)
    other = _root(tmp_path / "other", runs=1, steps=1600)
    target = only_event_file(root / "run2")
    target.unlink()
    target.write_bytes(only_event_file(other / "run0").read_bytes())
    w = SummaryWriter(str(root / "run3"), flush_secs=3600, filename_suffix=".b")
    for step in range(1500, 1600):
        w.add_scalar("val/acc", 0.9, step)
    w.close()
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 3 and len(cache.doubts) == 1 and "run2" in cache.doubts[0]
    assert_same_as_cold(root, warm)


@pytest.mark.parametrize(
    "harm", ["entry byte", "directory byte", "cut short", "longer", "other format", "empty"]
)
def test_a_damaged_pack_is_not_trusted(tmp_path: Path, private_cache: Path, harm: str) -> None:
    """A damaged entry costs its run; damage anywhere else, the whole pack."""
    root, pack = _packed(tmp_path, private_cache)
    data = bytearray(pack.read_bytes())
    if harm == "entry byte":
        data[len(data) - 1000] ^= 0x01
    elif harm == "directory byte":
        data[30] ^= 0x01
    elif harm == "cut short":
        data = data[: len(data) - 100]
    elif harm == "longer":
        data += b"\0" * 8
    elif harm == "other format":
        data[8] += 1
    else:
        data = bytearray()
    pack.write_bytes(bytes(data))
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == (3 if harm == "entry byte" else 0)
    assert cache.doubts
    assert_same_as_cold(root, warm)
    again = RunCache()  # what this load kept: used from now on
    load(root, again)
    assert again.used == 4 and not again.doubts


def test_a_pack_of_another_version_is_not_used(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(run_codec, "writer_version", lambda: "0.0.0-older")
        _packed(tmp_path, private_cache)
    root = tmp_path / "logs"
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 0 and len(cache.doubts) == 4
    assert all("another tfwatch version" in d for d in cache.doubts)
    assert_same_as_cold(root, warm)


def test_an_entry_under_another_runs_key_is_not_used(tmp_path: Path, private_cache: Path) -> None:
    root, pack = _packed(tmp_path, private_cache)
    with open(pack, "rb", buffering=0) as f:
        entries = list(read_pack(f).items())
    (k0, e0), (k1, e1) = entries[:2]
    swapped = [(k0, e1), (k1, e0), *entries[2:]]
    pack.write_bytes(b"".join(pack_pieces(swapped)))
    cache = RunCache()
    warm = load(root, cache)
    assert cache.used == 2 and sum("another root" in d for d in cache.doubts) == 2
    assert_same_as_cold(root, warm)


def test_damage_appended_after_the_pack_is_found_as_a_full_read_finds_it(
    tmp_path: Path, private_cache: Path
) -> None:
    """The pack's entry of a healthy run is used, and the damaged bytes appended since
    are reported as a cold load reports them."""
    root, _ = _packed(tmp_path, private_cache)
    w = SummaryWriter(str(root / "run0"), flush_secs=3600, filename_suffix=".b")
    for step in range(1500, 1800):
        w.add_scalar("train/loss", 0.5, step)
    w.close()
    later = sorted((root / "run0").glob("*tfevents*"))[-1]
    data = bytearray(later.read_bytes())
    data[len(data) // 2] ^= 0xFF
    later.write_bytes(bytes(data))
    cold = load(root, None)
    assert cold.runs["run0"].damage
    for _ in range(2):  # (a damaged run is not kept: the pack's entry again)
        cache = RunCache()
        warm = load(root, cache)
        assert cache.used == 4
        assert warm.runs["run0"].damage == cold.runs["run0"].damage
        assert_same_as_cold(root, warm)


def test_a_pack_over_the_size_cap_is_not_written(tmp_path: Path, private_cache: Path) -> None:
    root = _root(tmp_path)
    load(root, RunCache())
    size = sum(p.stat().st_size for p in private_cache.rglob("*.run"))
    cache = RunCache(max_bytes=size - 1, repack_at=1)
    assert_same_as_cold(root, load(root, cache))
    assert cache.used == 4
    assert not list(private_cache.rglob("runs.pack"))
    assert len(list(private_cache.rglob("*.run"))) == 4


def test_the_size_cap_evicts_a_pack_whole(tmp_path: Path, private_cache: Path) -> None:
    root, pack = _packed(tmp_path, private_cache)
    size = pack.stat().st_size
    assert RunCache(max_bytes=size - 1).trim() == size
    assert not pack.exists()
    cache = RunCache()
    assert_same_as_cold(root, load(root, cache))
    assert cache.used == 0


def test_two_processes_repacking_at_once_do_not_corrupt_it(
    tmp_path: Path, private_cache: Path
) -> None:
    """Two ``tfwatch ls`` loops that repack on every load, while a writer appends."""
    root = _root(tmp_path, runs=6, steps=1000)
    writer = SummaryWriter(str(root / "run0"), flush_secs=3600, filename_suffix=".b")
    setup = "from tfwatch.cache import run_cache\nrun_cache.REPACK_AT = 1"
    ls_twice_at_once(root, writer, "train/loss", 1000, setup)
    packs = list(private_cache.rglob("runs.pack"))
    assert packs
    for pack in packs:
        with open(pack, "rb", buffering=0) as f:
            for entry in read_pack(f).values():
                decode_run(entry)  # every entry whole, none mixed
    for path in private_cache.rglob("*.run"):
        decode_run(path.read_bytes())
    cache = RunCache()
    assert_same_as_cold(root, load(root, cache))
    assert cache.used >= 5
