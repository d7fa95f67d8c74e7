"""One scalar metric of one run: exact aggregates and bounded points for plotting.

Points arrive in file order. The step is the x-axis and the latest write is the truth: a
point at step ``s`` supersedes every earlier point with step >= ``s`` (a job resumed from
a checkpoint rewrites those steps; TensorBoard's data server applies the same rule).

Memory is bounded: the most recent points are kept at full resolution (what the
convergence maths reads); older ones are folded into at most ``MAX_BUCKETS`` buckets that
keep each bucket's min, max and first non-finite point, so a plot of the whole history
never hides a spike or a NaN.

A series restored from a cache (:meth:`ScalarSeries.adopt`) holds read-only views of the
cache's bytes instead of copies; its first write copies them (copy on write), so a
restart that only reads costs no copy. Buckets are never changed in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.model.series_arrays import SeriesArrays
from tfwatch.store.buckets import (
    BUCKET,
    NO_STEP,
    fold_rows,
    joined_buckets,
    merge_buckets,
    total_bucket,
)
from tfwatch.store.series_parts import SeriesParts

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
_NO_BUCKETS = np.empty(0, dtype=BUCKET)


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
        self._buckets = np.empty(0, dtype=BUCKET)
        #: The buckets whose points were last counted, and how many they hold (``count``
        #: is asked for every series of every run a table shows; buckets change rarely).
        self._counted: tuple[npt.NDArray[np.void], int] = (self._buckets, 0)
        self._width = 1  # points per bucket; doubles when the buckets are merged pairwise
        self._first: tuple[int, float] | None = None  # step, value
        self._agg: npt.NDArray[np.void] | None = None
        #: The point arrays are views of someone else's (read-only) bytes: copied before
        #: the first write (see :meth:`adopt`).
        self._borrowed = False
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
            self._first = (int(steps[0]), float(values[0]))
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
        self._own()
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
        self._own()
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

    def _own(self) -> None:
        """Copy borrowed point arrays before writing to them."""
        if self._borrowed:
            self._resize(max(self._size, 64))

    def _resize(self, cap: int) -> None:
        n = self._size
        for name in ("_steps", "_values", "_walls"):
            old = getattr(self, name)
            new = np.empty(cap, dtype=old.dtype)
            new[:n] = old[:n]
            setattr(self, name, new)
        self._borrowed = False

    def _fold(self) -> None:
        """Fold the oldest held points into buckets, keeping about ``LIMITS.recent``."""
        n = self._size
        if n <= LIMITS.recent:
            return  # (nothing to fold: the memory budget asks this of every series)
        k = self._fold_points(self._steps[:n], self._values[:n], self._walls[:n])
        if not k:
            return
        self._own()
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
        if self._counted[0] is not self._buckets:  # (frees the old)
            self._counted = (self._buckets, int(self._buckets["count"].sum()))

    def _merge_pairs(self) -> None:
        """Halve the buckets by merging neighbours (the last stays alone when odd)."""
        b = self._buckets
        head, tail = (b[:-1], b[-1:]) if b.shape[0] % 2 else (b, b[:0])
        self._buckets = joined_buckets(merge_buckets(head[0::2], head[1::2]), tail)
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
            self._buckets = joined_buckets(self._buckets, new)
        return int(k)

    @classmethod
    def adopt(
        cls,
        tag: str,
        recent: tuple[I64, F64, F64],
        buckets: npt.NDArray[np.void],
        width: int,
        first: tuple[int, float] | None,
        counted: int | None = None,
    ) -> ScalarSeries:
        """A bounded series holding what :meth:`parts` gave (its recent steps, values and
        wall times, buckets, width and first point), taking the arrays as they are:
        views of a cache's bytes are kept, not copied, until the first write (the
        caller must not change them; read-only arrays are fine). ``counted``: the
        points the buckets hold, when known (else summed on first use)."""
        # (built without __init__ and without a SeriesParts: a restart makes one per
        # tag of every run, and frozen dataclasses cost microseconds each)
        series = cls.__new__(cls)
        series.tag = tag
        series.retain_all = False
        series._steps, series._values, series._walls = recent
        series._size = int(recent[0].shape[0])
        series._borrowed = True
        series._buckets = buckets
        series._counted = (_NO_BUCKETS, 0) if counted is None else (buckets, counted)
        series._width = width
        series._first = first
        series._agg = None
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
            has = b[step_f] != NO_STEP
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
                parts = joined_buckets(parts, tail)
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
        step = int(self._field("min_step", NO_STEP))
        return -1 if step == NO_STEP else step

    @property
    def max_value(self) -> float:
        return float(self._field("max_value", math.nan))

    @property
    def max_step(self) -> int:
        step = int(self._field("max_step", NO_STEP))
        return -1 if step == NO_STEP else step

    @property
    def nan_count(self) -> int:
        return int(self._field("nan_count", 0))

    @property
    def inf_count(self) -> int:
        return int(self._field("inf_count", 0))

    @property
    def first_nonfinite_step(self) -> int | None:
        step = int(self._field("nonfinite_step", NO_STEP))
        return None if step == NO_STEP else step

    def best(self, higher_is_better: bool) -> tuple[float, int]:
        """(value, step) of the best finite point."""
        if higher_is_better:
            return self.max_value, self.max_step
        return self.min_value, self.min_step

    def __len__(self) -> int:
        return self.count
