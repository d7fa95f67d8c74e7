"""One run, with its files' reading positions, as the bytes of one cache entry.

Layout: a fixed header (magic, format version, the lengths of the two parts), a JSON
part (the run's plain fields, its files, its scalar tags), padded so that the arrays
that follow start 8-byte aligned, then the arrays' raw little-endian bytes, and last a
CRC-32C of everything before it. The scalars are columns: each series' lengths, width
and first point, then every series' steps, values, wall times and buckets, so a run
of many tags costs a few array views and no JSON number per tag. No pickle: a cache
entry is data, never code. An entry that is short, long, of another format or tfwatch
version, or whose digest does not match raises :class:`CacheUnusable`, and the run is
read from its event files.

Decoding copies no array: the series hold read-only views of the entry's bytes and copy
them on their first write (see :meth:`tfwatch.store.series.ScalarSeries.adopt`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
from dataclasses import asdict
from typing import Any

import google_crc32c
import numpy as np
import numpy.typing as npt

from tfwatch import __version__
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.file_state import EventFileState
from tfwatch.model.damage import Damage
from tfwatch.model.histograms import HistogramPoint
from tfwatch.model.record_marks import RecordMark
from tfwatch.store.buckets import BUCKET
from tfwatch.store.histograms import HistogramSeries
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries

MAGIC = b"TFWCACHE"
#: Bumped whenever what is written changes meaning; entries of another one are not read.
FORMAT = 4  # (4: scalars as columns, aligned, a CRC-32C trailer; 3: no first wall time)
_HEADER = struct.Struct("<8sIIQ")  # magic, format, JSON bytes (padded), array bytes
TRAILER = struct.Struct("<I")  # CRC-32C of everything before it
#: The CRC-32C of any bytes followed by their own CRC-32C (little-endian) is this
#: constant (the CRC's residue): an entry is checked in one pass over the bytes as
#: read, without slicing (copying) the part before the trailer.
RESIDUE = 0x48674BC7
_ALIGN = 8


@functools.cache
def writer_version() -> str:
    """This tfwatch's version and a digest of the code that decides what a run holds
    (readers, decoders, store, cache): a development build whose reading changed never
    trusts a cache that an earlier one wrote, even under the same version number."""
    # (os.walk, not pathlib: pathlib's import alone costs a warm `ls` 10 ms)
    h = hashlib.blake2b(digest_size=8)
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    sources = []
    for part in ("ingest", "store", "model", "cache"):
        for top, _, names in os.walk(os.path.join(package, part)):
            sources += [os.path.join(top, n) for n in names if n.endswith(".py")]
    for path in sorted(sources):
        h.update(os.path.relpath(path, package).replace(os.sep, "/").encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return f"{__version__}+{h.hexdigest()}"


class CacheUnusable(Exception):
    """A cache entry that cannot be trusted (damaged, partial, another version)."""


class _Arrays:
    """Arrays appended one after another, from ``start``; each referred to by (offset,
    dtype, count)."""

    def __init__(self, start: int) -> None:
        self.chunks: list[bytes] = []
        self.size = start

    def add(self, array: npt.NDArray[Any], dtype: str) -> list[Any]:
        raw = np.ascontiguousarray(array, dtype=np.dtype(dtype)).tobytes()
        ref = [self.size, dtype, int(array.shape[0])]
        self.chunks.append(raw)
        self.size += len(raw)  # (every dtype here is 8 bytes wide: offsets stay aligned)
        return ref


def encode_run(run: Run, plugins: TagPlugins) -> bytes:
    """The cache entry's bytes for ``run`` as read so far."""
    parts = [series.parts() for series in run.scalars.values()]
    # Per series, as columns: 6 integers (see _SERIES_FIELDS) and its first value.
    fields = [
        [len(p.recent) for p in parts],
        [int(p.buckets.shape[0]) for p in parts],
        [int(p.buckets["count"].sum()) for p in parts],
        [p.width for p in parts],
        [p.first is not None for p in parts],
        [p.first[0] if p.first is not None else 0 for p in parts],
    ]
    columns = [
        np.array(fields, dtype="<i8").tobytes(),
        np.array([p.first[1] if p.first is not None else 0.0 for p in parts], "<f8").tobytes(),
        _column([p.recent.steps for p in parts], "<i8"),
        _column([p.recent.values for p in parts], "<f8"),
        _column([p.recent.wall_times for p in parts], "<f8"),
        b"".join(p.buckets.tobytes() for p in parts),
    ]
    arrays = _Arrays(sum(len(c) for c in columns))
    histograms = []
    for hist in run.histograms.values():
        points = []
        for pt in hist.recent():
            fields = [pt.step, pt.wall_time, pt.min, pt.max, pt.num, pt.sum, pt.sum_squares]
            limits = arrays.add(pt.bucket_limits, "<f8")
            points.append([fields, limits, arrays.add(pt.bucket_counts, "<f8")])
        histograms.append({"tag": hist.tag, "count": hist.count, "points": points})
    meta = {
        "tfwatch": writer_version(),
        "run": {
            "name": run.name,
            "root": run.root,
            "path": run.path,
            "hparams": run.hparams,
            "final_metrics": run.final_metrics,
            "text_tags": sorted(run.text_tags),
            "image_tags": sorted(run.image_tags),
            "events": run.events,
            "last_wall_time": run.last_wall_time,
            "last_growth": run.last_growth,
            "damage": [asdict(d) for d in run.damage],
        },
        "files": [_file_fields(state) for state in run.files.values()],
        "plugins": plugins.plugin,
        "scalars": [p.tag for p in parts],
        "histograms": histograms,
    }
    text = json.dumps(meta, separators=(",", ":"), allow_nan=True).encode()
    text += b" " * (-(_HEADER.size + len(text)) % _ALIGN)  # (JSON ignores the spaces)
    header = _HEADER.pack(MAGIC, FORMAT, len(text), arrays.size)
    pieces = [header, text, *columns, *arrays.chunks]
    crc = 0
    for piece in pieces:
        crc = google_crc32c.extend(crc, piece)
    pieces.append(TRAILER.pack(crc))
    return b"".join(pieces)


def _column(arrays: list[npt.NDArray[Any]], dtype: str) -> bytes:
    return np.concatenate(arrays).astype(dtype, copy=False).tobytes() if arrays else b""


def _file_fields(state: EventFileState) -> dict[str, Any]:
    fields = {
        k: getattr(state, k)
        for k in ("path", "size", "offset", "records", "first_seen", "last_growth", "mtime")
    }
    fields["hparams_session"] = state.hparams_session
    ident = state.identity
    fields["identity"] = list(ident) if isinstance(ident, tuple) else ident
    for which in ("first_record", "last_record"):
        mark = getattr(state, which)
        fields[which] = None if mark is None else [mark.offset, mark.length, mark.digest]
    return fields


def decode_run(data: bytes) -> tuple[Run, TagPlugins]:
    """The run and tag plugins a cache entry holds; :class:`CacheUnusable` when it cannot
    be trusted. The run's series keep views of ``data`` (bytes: never changed)."""
    if len(data) < _HEADER.size + TRAILER.size:
        raise CacheUnusable("short header")
    magic, fmt, text_len, body_len = _HEADER.unpack_from(data)
    if magic != MAGIC or fmt != FORMAT:
        raise CacheUnusable("another format")
    if len(data) != _HEADER.size + text_len + body_len + TRAILER.size:
        raise CacheUnusable("partly written")
    if google_crc32c.value(data) != RESIDUE:
        raise CacheUnusable("damaged")
    start = _HEADER.size + text_len
    try:
        meta = json.loads(data[_HEADER.size : start])
        if meta["tfwatch"] != writer_version():
            raise CacheUnusable("written by another tfwatch version")
        return _build(meta, memoryview(data)[start : start + body_len])
    except CacheUnusable:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise CacheUnusable(f"unexpected content: {e}") from e


def _build(meta: dict[str, Any], body: memoryview) -> tuple[Run, TagPlugins]:
    r = meta["run"]
    run = Run(name=r["name"], root=r["root"], path=r["path"], hparams=r["hparams"])
    run.final_metrics = r["final_metrics"]
    run.text_tags, run.image_tags = set(r["text_tags"]), set(r["image_tags"])
    run.events, run.last_wall_time = r["events"], r["last_wall_time"]
    run.last_growth = r["last_growth"]
    run.damage = [Damage(**d) for d in r["damage"]]
    for f in meta["files"]:
        state = EventFileState(path=f["path"], name=f["path"].rsplit("/", 1)[-1])
        for k in ("size", "offset", "records", "first_seen", "last_growth", "mtime"):
            setattr(state, k, f[k])
        state.hparams_session = f["hparams_session"]
        ident = f["identity"]
        state.identity = (int(ident[0]), int(ident[1])) if isinstance(ident, list) else ident
        for which in ("first_record", "last_record"):
            mark = f[which]
            setattr(state, which, None if mark is None else RecordMark(*mark))
        run.files[state.path] = state
    _build_scalars(run, meta["scalars"], body)
    for h in meta["histograms"]:
        points = [
            HistogramPoint(
                step=int(v[0]),
                wall_time=float(v[1]),
                min=float(v[2]),
                max=float(v[3]),
                num=float(v[4]),
                sum=float(v[5]),
                sum_squares=float(v[6]),
                bucket_limits=_array(body, lim).copy(),
                bucket_counts=_array(body, cnt).copy(),
            )
            for v, lim, cnt in h["points"]
        ]
        run.histograms[h["tag"]] = HistogramSeries.from_parts(h["tag"], h["count"], points)
    plugins = TagPlugins()
    plugins.plugin.update(meta["plugins"])
    run.version = 1
    return run, plugins


def _build_scalars(run: Run, tags: list[str], body: memoryview) -> None:
    """The run's series, each holding slices of the columns (read-only views). Their
    small fields are columns too: a JSON float costs more to parse than an array."""
    t = len(tags)
    fields = np.frombuffer(body, np.dtype("<i8"), 6 * t, 0).reshape(6, t).tolist()
    first_values = np.frombuffer(body, np.dtype("<f8"), t, 48 * t).tolist()
    lengths, counts, counted, widths, has_first, first_steps = fields
    if min(lengths, default=0) < 0 or min(counts, default=0) < 0:
        raise ValueError("a negative length")
    n, m = sum(lengths), sum(counts)
    start = 56 * t
    steps = np.frombuffer(body, np.dtype("<i8"), n, start)
    values = np.frombuffer(body, np.dtype("<f8"), n, start + 8 * n)
    walls = np.frombuffer(body, np.dtype("<f8"), n, start + 16 * n)
    buckets = np.frombuffer(body, BUCKET, m, start + 24 * n)
    adopt, scalars = ScalarSeries.adopt, run.scalars
    i = j = 0
    for s, tag in enumerate(tags):
        k, b = lengths[s], counts[s]
        recent = (steps[i : i + k], values[i : i + k], walls[i : i + k])
        first = (first_steps[s], first_values[s]) if has_first[s] else None
        scalars[tag] = adopt(tag, recent, buckets[j : j + b], widths[s], first, counted[s])
        i, j = i + k, j + b


def _array(body: memoryview, ref: list[Any]) -> npt.NDArray[Any]:
    """A read-only view into the entry's bytes."""
    offset, dtype, count = ref
    out: npt.NDArray[Any] = np.frombuffer(body, np.dtype(dtype), count, offset)
    return out
