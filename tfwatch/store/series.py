"""One scalar metric of one run: exact aggregates and bounded points for plotting.

Points arrive in file order. The step is the x-axis and the latest write is the truth: a
point at step ``s`` supersedes every earlier point with step >= ``s`` (a job resumed from
a checkpoint rewrites those steps; TensorBoard's data server applies the same rule).

Memory is bounded: the most recent points are kept at full resolution (what the
convergence maths reads); older ones are folded into at most ``MAX_BUCKETS`` buckets that
keep each bucket's min, max and first non-finite point, so a plot of the whole history
never hides a spike or a NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

RECENT = 1024
MAX_BUCKETS = 256


@dataclass
class _Limits:
    """The window every bounded series of this process keeps (the store's memory
    budget lowers it as series grow in number: see :mod:`.memory_budget`)."""

    recent: int = RECENT
    buckets: int = MAX_BUCKETS


LIMITS = _Limits()


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class SeriesArrays:
    """Points of a series in step order."""

    steps: I64
    values: F64
    wall_times: F64

    def __len__(self) -> int:
        return int(self.steps.shape[0])


_BUCKET = np.dtype(
    [
        ("first_step", "i8"),
        ("last_step", "i8"),
        ("count", "i8"),
        ("min_value", "f8"),
        ("min_step", "i8"),
        ("max_value", "f8"),
        ("max_step", "i8"),
        ("nan_count", "i8"),
        ("inf_count", "i8"),
        ("nonfinite_step", "i8"),  # -1: none (a real non-finite point at step -1 is rare)
        ("nonfinite_value", "f8"),
        ("last_wall", "f8"),
    ]
)
_NO_STEP = np.iinfo(np.int64).min


def fold_rows(steps: I64, values: F64, walls: F64) -> npt.NDArray[np.void]:
    """One bucket per row of equally long 2-D blocks of points (exact per-row aggregates)."""
    k = steps.shape[0]
    rows = np.arange(k)
    out = np.empty(k, dtype=_BUCKET)
    out["first_step"] = steps[:, 0]
    out["last_step"] = steps[:, -1]
    out["count"] = steps.shape[1]
    out["last_wall"] = walls[:, -1]
    finite = np.isfinite(values)
    if finite.all():  # the usual case, in fewer passes
        lo, hi = np.argmin(values, axis=1), np.argmax(values, axis=1)
        out["min_value"], out["min_step"] = values[rows, lo], steps[rows, lo]
        out["max_value"], out["max_step"] = values[rows, hi], steps[rows, hi]
        out["nan_count"] = out["inf_count"] = 0
        out["nonfinite_step"], out["nonfinite_value"] = _NO_STEP, np.nan
        return out
    any_finite = finite.any(axis=1)
    lo = np.argmin(np.where(finite, values, np.inf), axis=1)
    hi = np.argmax(np.where(finite, values, -np.inf), axis=1)
    bad = ~finite
    any_bad = bad.any(axis=1)
    first_bad = np.argmax(bad, axis=1)
    out["min_value"] = np.where(any_finite, values[rows, lo], np.nan)
    out["min_step"] = np.where(any_finite, steps[rows, lo], _NO_STEP)
    out["max_value"] = np.where(any_finite, values[rows, hi], np.nan)
    out["max_step"] = np.where(any_finite, steps[rows, hi], _NO_STEP)
    out["nan_count"] = np.isnan(values).sum(axis=1)
    out["inf_count"] = np.isinf(values).sum(axis=1)
    out["nonfinite_step"] = np.where(any_bad, steps[rows, first_bad], _NO_STEP)
    out["nonfinite_value"] = np.where(any_bad, values[rows, first_bad], np.nan)
    return out


def merge_buckets(a: npt.NDArray[np.void], b: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """Element-wise merge of bucket ``a[i]`` (earlier) with ``b[i]`` (later)."""
    out = a.copy()
    out["last_step"] = b["last_step"]
    out["count"] = a["count"] + b["count"]
    take_b = np.isnan(a["min_value"]) | (b["min_value"] < a["min_value"])
    out["min_value"] = np.where(take_b, b["min_value"], a["min_value"])
    out["min_step"] = np.where(take_b, b["min_step"], a["min_step"])
    take_b = np.isnan(a["max_value"]) | (b["max_value"] > a["max_value"])
    out["max_value"] = np.where(take_b, b["max_value"], a["max_value"])
    out["max_step"] = np.where(take_b, b["max_step"], a["max_step"])
    out["nan_count"] = a["nan_count"] + b["nan_count"]
    out["inf_count"] = a["inf_count"] + b["inf_count"]
    take_b = a["nonfinite_step"] == _NO_STEP
    out["nonfinite_step"] = np.where(take_b, b["nonfinite_step"], a["nonfinite_step"])
    out["nonfinite_value"] = np.where(take_b, b["nonfinite_value"], a["nonfinite_value"])
    out["last_wall"] = b["last_wall"]
    return cast("npt.NDArray[np.void]", out)


def total_bucket(parts: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """``parts`` (in step order, at least one) merged into one bucket, as merging them
    pairwise from the left with :func:`merge_buckets` would, in a few array passes."""
    out: npt.NDArray[np.void] = parts[:1].copy()
    out["last_step"] = parts["last_step"][-1]
    out["count"] = parts["count"].sum()
    for name, pick in (("min", np.argmin), ("max", np.argmax)):
        values = parts[f"{name}_value"]
        has = ~np.isnan(values)
        if has.any():  # the first bucket holding the extreme (merging keeps the earliest)
            fill = np.inf if name == "min" else -np.inf
            i = int(pick(np.where(has, values, fill)))
        else:
            i = parts.shape[0] - 1
        out[f"{name}_value"] = values[i]
        out[f"{name}_step"] = parts[f"{name}_step"][i]
    out["nan_count"] = parts["nan_count"].sum()
    out["inf_count"] = parts["inf_count"].sum()
    bad = np.flatnonzero(parts["nonfinite_step"] != _NO_STEP)
    i = int(bad[0]) if bad.shape[0] else parts.shape[0] - 1
    out["nonfinite_step"] = parts["nonfinite_step"][i]
    out["nonfinite_value"] = parts["nonfinite_value"][i]
    out["last_wall"] = parts["last_wall"][-1]
    return out


def _joined_buckets(a: npt.NDArray[np.void], b: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """``a`` then ``b``: joined as opaque records (``np.concatenate`` of structured
    arrays compares their fields first, which costs more than the copy)."""
    raw = f"V{_BUCKET.itemsize}"
    out: npt.NDArray[np.void] = np.concatenate([a.view(raw), b.view(raw)]).view(_BUCKET)
    return out


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class SeriesParts:
    """Everything a :class:`ScalarSeries` holds, as plain arrays (what a cache keeps)."""

    tag: str
    recent: SeriesArrays
    buckets: npt.NDArray[np.void]  # of BUCKET_DTYPE
    width: int
    first: tuple[int, float, float] | None


#: The record layout of a series' buckets (its field names are part of a cache's format).
BUCKET_DTYPE = _BUCKET


class ScalarSeries:
    """One scalar tag of one run."""

    def __init__(self, tag: str, retain_all: bool = False) -> None:
        self.tag = tag
        #: Keep every point (``tfwatch export``); otherwise fold old points into buckets.
        self.retain_all = retain_all
        self._steps = np.empty(0, dtype=np.int64)
        self._values = np.empty(0, dtype=np.float64)
        self._walls = np.empty(0, dtype=np.float64)
        self._size = 0
        self._buckets = np.empty(0, dtype=_BUCKET)
        #: The buckets whose points were last counted, and how many they hold (``count``
        #: is asked for every series of every run a table shows; buckets change rarely).
        self._counted: tuple[npt.NDArray[np.void], int] = (self._buckets, 0)
        self._width = 1  # points per bucket; doubles when the buckets are merged pairwise
        self._first: tuple[int, float, float] | None = None  # step, value, wall
        self._agg: npt.NDArray[np.void] | None = None
        #: Bumped on every change, so views can skip unchanged series.
        self.version = 0

    # ----------------------------------------------------------------- writing
    def extend(self, steps: I64, values: F64, walls: F64) -> None:
        """Add points in file order, applying the restart rule."""
        if steps.shape[0] == 0:
            return
        if steps.shape[0] > 1:
            # A point survives the batch only if no later point rewinds to its step.
            later_min = np.minimum.accumulate(steps[::-1])[::-1]
            keep = np.append(steps[:-1] < later_min[1:], True)
            if not keep.all():
                steps, values, walls = steps[keep], values[keep], walls[keep]
            floor = int(later_min[0])
        else:
            floor = int(steps[0])
        self._truncate_from(floor)
        if self._first is None:
            self._first = (int(steps[0]), float(values[0]), float(walls[0]))
        self._append(steps, values, walls)
        self._agg = None
        self.version += 1

    def _truncate_from(self, step: int) -> None:
        """Drop every held point with step >= ``step``."""
        n = self._size
        if n and self._steps[n - 1] >= step:
            self._size = int(np.searchsorted(self._steps[:n], step, side="left"))
        b = self._buckets
        if self._size == 0 and b.shape[0] and b["last_step"][-1] >= step:
            keep = int(np.searchsorted(b["first_step"], step, side="left"))
            self._buckets = b = b[:keep].copy()
            if keep and b["last_step"][-1] >= step:
                # The cut falls inside a bucket: its aggregates cannot be split exactly,
                # so they are kept and only its range is shortened.
                b["last_step"][-1] = step - 1
        if self._size == 0 and self._buckets.shape[0] == 0:
            self._first = None

    def _append(self, steps: I64, values: F64, walls: F64) -> None:
        n, m = self._size, steps.shape[0]
        if not self.retain_all and n + m > 2 * LIMITS.recent:
            self._append_folding(steps, values, walls)
            return
        if n + m > self._steps.shape[0]:
            cap = max(n + m, 2 * self._steps.shape[0], 64)
            self._resize(cap)
        self._steps[n : n + m] = steps
        self._values[n : n + m] = values
        self._walls[n : n + m] = walls
        self._size = n + m
        if not self.retain_all and self._size > LIMITS.recent + LIMITS.recent // 4:
            self._fold()

    def _append_folding(self, steps: I64, values: F64, walls: F64) -> None:
        """A large batch (a cold load): fold its older points straight from the input
        instead of copying them in first."""
        n = self._size
        if n:
            steps = np.concatenate([self._steps[:n], steps])
            values = np.concatenate([self._values[:n], values])
            walls = np.concatenate([self._walls[:n], walls])
        k = self._fold_points(steps, values, walls)
        keep = steps.shape[0] - k
        if self._steps.shape[0] < keep or self._steps.shape[0] > 2 * LIMITS.recent:
            self._size = 0
            self._resize(max(keep, LIMITS.recent + LIMITS.recent // 4 + 1))
        self._steps[:keep] = steps[k:]
        self._values[:keep] = values[k:]
        self._walls[:keep] = walls[k:]
        self._size = keep

    def _resize(self, cap: int) -> None:
        n = self._size
        for name in ("_steps", "_values", "_walls"):
            old = getattr(self, name)
            new = np.empty(cap, dtype=old.dtype)
            new[:n] = old[:n]
            setattr(self, name, new)

    def _fold(self) -> None:
        """Fold the oldest held points into buckets, keeping about ``LIMITS.recent``."""
        n = self._size
        k = self._fold_points(self._steps[:n], self._values[:n], self._walls[:n])
        if not k:
            return
        keep = n - k
        for arr in (self._steps, self._values, self._walls):
            arr[:keep] = arr[k:n]
        self._size = keep
        room = LIMITS.recent + LIMITS.recent // 4 + 1
        if self._steps.shape[0] > room + room // 2:  # (grown by a large write: give back)
            self._resize(room)

    def shrink(self) -> None:
        """Fold down to the current :data:`LIMITS` (after they were lowered)."""
        if self.retain_all:
            return
        self._fold()
        while self._buckets.shape[0] > LIMITS.buckets:
            self._merge_pairs()
        room = LIMITS.recent + LIMITS.recent // 4 + 1
        if self._steps.shape[0] > max(room, self._size):
            self._resize(max(room, self._size))
        self._counted = (self._buckets, int(self._buckets["count"].sum()))  # (frees the old)

    def _merge_pairs(self) -> None:
        """Halve the buckets by merging neighbours (the last stays alone when odd)."""
        b = self._buckets
        head, tail = (b[:-1], b[-1:]) if b.shape[0] % 2 else (b, b[:0])
        self._buckets = _joined_buckets(merge_buckets(head[0::2], head[1::2]), tail)
        self._width *= 2

    def _fold_points(self, steps: I64, values: F64, walls: F64) -> int:
        """Fold the oldest of ``steps`` (all newer than the buckets) into buckets, leaving
        about ``LIMITS.recent``; return how many were folded."""
        excess = steps.shape[0] - LIMITS.recent
        if excess <= 0:
            return 0
        # Widen first (merging the few buckets held) so a large batch folds straight
        # into wide buckets instead of being merged pairwise after folding.
        while self._buckets.shape[0] + excess // self._width > LIMITS.buckets:
            if self._buckets.shape[0] >= 2:
                self._merge_pairs()
            else:
                self._width *= 2
        w = self._width
        rows = excess // w
        k = rows * w
        if rows:
            new = fold_rows(
                steps[:k].reshape(rows, w), values[:k].reshape(rows, w), walls[:k].reshape(rows, w)
            )
            self._buckets = _joined_buckets(self._buckets, new)
        return int(k)

    @classmethod
    def from_parts(cls, parts: SeriesParts) -> ScalarSeries:
        """A bounded series holding what :meth:`parts` gave."""
        series = cls(parts.tag)
        series._size = 0
        series._resize(max(len(parts.recent), 64))
        n = len(parts.recent)
        series._steps[:n] = parts.recent.steps
        series._values[:n] = parts.recent.values
        series._walls[:n] = parts.recent.wall_times
        series._size = n
        # (copied as opaque records: a structured copy goes field by field)
        series._buckets = parts.buckets.view(f"V{_BUCKET.itemsize}").copy().view(_BUCKET)
        series._width = parts.width
        series._first = parts.first
        series.version = 1
        return series

    # ----------------------------------------------------------------- reading
    def parts(self) -> SeriesParts:
        """A copy of everything held (see :meth:`from_parts`)."""
        return SeriesParts(self.tag, self.recent(), self._buckets.copy(), self._width, self._first)

    def recent(self) -> SeriesArrays:
        """The most recent points at full resolution (all points with ``retain_all``)."""
        n = self._size
        return SeriesArrays(self._steps[:n].copy(), self._values[:n].copy(), self._walls[:n].copy())

    def overview(self) -> SeriesArrays:
        """The whole history, bounded: each bucket's min, max and first non-finite point."""
        b = self._buckets
        recent = self.recent()
        if b.shape[0] == 0:
            return recent
        cols = []
        for step_f, value_f in (
            ("min_step", "min_value"),
            ("max_step", "max_value"),
            ("nonfinite_step", "nonfinite_value"),
        ):
            has = b[step_f] != _NO_STEP
            cols.append((b[step_f][has], b[value_f][has], b["last_wall"][has]))
        steps = np.concatenate([c[0] for c in cols])
        values = np.concatenate([c[1] for c in cols])
        walls = np.concatenate([c[2] for c in cols])
        order = np.argsort(steps, kind="stable")
        steps, values, walls = steps[order], values[order], walls[order]
        uniq = np.append(True, steps[1:] != steps[:-1])
        return SeriesArrays(
            np.concatenate([steps[uniq], recent.steps]),
            np.concatenate([values[uniq], recent.values]),
            np.concatenate([walls[uniq], recent.wall_times]),
        )

    def _aggregate(self) -> npt.NDArray[np.void] | None:
        """All aggregates as one bucket (cached until the next change)."""
        if self._agg is None:
            n = self._size
            parts = self._buckets
            if n:
                tail = fold_rows(
                    self._steps[:n].reshape(1, n),
                    self._values[:n].reshape(1, n),
                    self._walls[:n].reshape(1, n),
                )
                parts = _joined_buckets(parts, tail)
            if parts.shape[0] == 0:
                return None
            self._agg = total_bucket(parts)
        return self._agg

    def _field(self, name: str, default: float) -> float:
        agg = self._aggregate()
        return default if agg is None else agg[name][0].item()

    @property
    def count(self) -> int:
        """Points in the history (after restart supersession)."""
        b = self._buckets
        if b is not self._counted[0]:  # (bucket counts are never changed in place)
            self._counted = (b, int(b["count"].sum()))
        return self._counted[1] + self._size

    @property
    def first_step(self) -> int:
        return self._first[0] if self._first else 0

    @property
    def first_value(self) -> float:
        return self._first[1] if self._first else math.nan

    @property
    def first_wall_time(self) -> float:
        return self._first[2] if self._first else 0.0

    @property
    def last_step(self) -> int:
        if self._size:
            return int(self._steps[self._size - 1])
        return int(self._buckets["last_step"][-1]) if self._buckets.shape[0] else 0

    @property
    def last_value(self) -> float:
        return float(self._values[self._size - 1]) if self._size else math.nan

    @property
    def last_wall_time(self) -> float:
        if self._size:
            return float(self._walls[self._size - 1])
        return float(self._buckets["last_wall"][-1]) if self._buckets.shape[0] else 0.0

    @property
    def min_value(self) -> float:
        return float(self._field("min_value", math.nan))

    @property
    def min_step(self) -> int:
        step = int(self._field("min_step", _NO_STEP))
        return -1 if step == _NO_STEP else step

    @property
    def max_value(self) -> float:
        return float(self._field("max_value", math.nan))

    @property
    def max_step(self) -> int:
        step = int(self._field("max_step", _NO_STEP))
        return -1 if step == _NO_STEP else step

    @property
    def nan_count(self) -> int:
        return int(self._field("nan_count", 0))

    @property
    def inf_count(self) -> int:
        return int(self._field("inf_count", 0))

    @property
    def first_nonfinite_step(self) -> int | None:
        step = int(self._field("nonfinite_step", _NO_STEP))
        return None if step == _NO_STEP else step

    def best(self, higher_is_better: bool) -> tuple[float, int]:
        """(value, step) of the best finite point."""
        if higher_is_better:
            return self.max_value, self.max_step
        return self.min_value, self.min_step

    def __len__(self) -> int:
        return self.count
