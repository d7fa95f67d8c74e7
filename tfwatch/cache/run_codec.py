"""One run, with its files' reading positions, as the bytes of one cache file.

Layout: a fixed header (magic, format version, the lengths of the two parts, a CRC-32
of both), then a JSON part (the run's plain fields, its files, and where each array is),
then the arrays' raw little-endian bytes. No pickle: a cache file is data, never code.
A file that is short, long, of another format or tfwatch version, or whose digest does
not match raises :class:`CacheUnusable`, and the run is read from its event files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch import __version__
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.file_state import EventFileState
from tfwatch.model.damage import Damage
from tfwatch.model.histograms import HistogramPoint
from tfwatch.model.record_marks import RecordMark
from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.buckets import BUCKET
from tfwatch.store.histograms import HistogramSeries
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries
from tfwatch.store.series_parts import SeriesParts

MAGIC = b"TFWCACHE"
#: Bumped whenever what is written changes meaning; files of another one are not read.
FORMAT = 3  # (3: a series's first point without its wall time)
_HEADER = struct.Struct("<8sIIQI")  # magic, format, JSON bytes, array bytes, CRC-32


@functools.cache
def writer_version() -> str:
    """This tfwatch's version and a digest of the code that decides what a run holds
    (readers, decoders, store, cache): a development build whose reading changed never
    trusts a cache that an earlier one wrote, even under the same version number."""
    h = hashlib.blake2b(digest_size=8)
    package = Path(__file__).resolve().parent.parent
    for part in ("ingest", "store", "model", "cache"):
        for path in sorted((package / part).rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode())
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()}"


class CacheUnusable(Exception):
    """A cache file that cannot be trusted (damaged, partial, another version)."""


def _digest(*parts: bytes | memoryview) -> int:
    """A CRC-32 of the parts: it finds damage (not tampering: the cache is the user's
    own), five times faster than a cryptographic digest on a warm start's megabytes."""
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


class _Arrays:
    """Arrays appended one after another; each referred to by (offset, dtype, count)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, array: npt.NDArray[Any], dtype: str) -> list[Any]:
        raw = np.ascontiguousarray(array, dtype=np.dtype(dtype)).tobytes()
        ref = [self.size, dtype, int(array.shape[0])]
        self.chunks.append(raw)
        self.size += len(raw)
        return ref


def encode_run(run: Run, plugins: TagPlugins) -> bytes:
    """The cache file's bytes for ``run`` as read so far."""
    arrays = _Arrays()
    scalars = []
    for series in run.scalars.values():
        p = series.parts()
        scalars.append(
            {
                "tag": p.tag,
                "steps": arrays.add(p.recent.steps, "<i8"),
                "values": arrays.add(p.recent.values, "<f8"),
                "walls": arrays.add(p.recent.wall_times, "<f8"),
                "buckets": arrays.add(p.buckets.view(np.uint8), "u1"),
                "width": p.width,
                "first": list(p.first) if p.first is not None else None,
            }
        )
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
        "scalars": scalars,
        "histograms": histograms,
    }
    text = json.dumps(meta, separators=(",", ":"), allow_nan=True).encode()
    body = b"".join(arrays.chunks)
    header = _HEADER.pack(MAGIC, FORMAT, len(text), len(body), _digest(text, body))
    return header + text + body


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
    """The run and tag plugins a cache file holds; :class:`CacheUnusable` when it cannot
    be trusted."""
    if len(data) < _HEADER.size:
        raise CacheUnusable("short header")
    magic, fmt, text_len, body_len, digest = _HEADER.unpack_from(data)
    if magic != MAGIC or fmt != FORMAT:
        raise CacheUnusable("another format")
    if len(data) != _HEADER.size + text_len + body_len:
        raise CacheUnusable("partly written")
    text = data[_HEADER.size : _HEADER.size + text_len]
    body = memoryview(data)[_HEADER.size + text_len :]
    if _digest(text, body) != digest:
        raise CacheUnusable("damaged")
    try:
        meta = json.loads(text)
        if meta["tfwatch"] != writer_version():
            raise CacheUnusable("written by another tfwatch version")
        return _build(meta, body)
    except CacheUnusable:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise CacheUnusable(f"unexpected content: {e}") from e


def _build(meta: dict[str, Any], body: memoryview) -> tuple[Run, TagPlugins]:
    def array(ref: list[Any]) -> npt.NDArray[Any]:
        """A read-only view into the file's bytes: whoever keeps it copies it (the
        series copy their points into arrays of their own)."""
        offset, dtype, count = ref
        out: npt.NDArray[Any] = np.frombuffer(body, np.dtype(dtype), count, offset)
        return out

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
    for s in meta["scalars"]:
        buckets = array(s["buckets"]).view(BUCKET)
        recent = SeriesArrays(array(s["steps"]), array(s["values"]), array(s["walls"]))
        f = s["first"]
        first = (int(f[0]), float(f[1])) if f is not None else None
        parts = SeriesParts(s["tag"], recent, buckets, s["width"], first)
        run.scalars[s["tag"]] = ScalarSeries.from_parts(parts)
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
                bucket_limits=array(lim).copy(),
                bucket_counts=array(cnt).copy(),
            )
            for v, lim, cnt in h["points"]
        ]
        run.histograms[h["tag"]] = HistogramSeries.from_parts(h["tag"], h["count"], points)
    plugins = TagPlugins()
    plugins.plugin.update(meta["plugins"])
    run.version = 1
    return run, plugins
