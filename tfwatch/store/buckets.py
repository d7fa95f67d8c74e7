"""Buckets: exact aggregates of a run of consecutive points of one series.

A bucket keeps its points' step range, count, min and max (with their steps), NaN and
Inf counts and first non-finite point, so folding old points into buckets
(:class:`~tfwatch.store.series.ScalarSeries`) never hides a spike or a NaN. Buckets are
NumPy structured records, folded and merged many at a time.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

BUCKET = np.dtype(
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
#: A step field that holds no point (a bucket with no finite or no non-finite value).
NO_STEP = np.iinfo(np.int64).min


def fold_rows(steps: I64, values: F64, walls: F64) -> npt.NDArray[np.void]:
    """One bucket per row of equally long 2-D blocks of points (exact per-row aggregates)."""
    k = steps.shape[0]
    rows = np.arange(k)
    out = np.empty(k, dtype=BUCKET)
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
        out["nonfinite_step"], out["nonfinite_value"] = NO_STEP, np.nan
        return out
    any_finite = finite.any(axis=1)
    lo = np.argmin(np.where(finite, values, np.inf), axis=1)
    hi = np.argmax(np.where(finite, values, -np.inf), axis=1)
    bad = ~finite
    any_bad = bad.any(axis=1)
    first_bad = np.argmax(bad, axis=1)
    out["min_value"] = np.where(any_finite, values[rows, lo], np.nan)
    out["min_step"] = np.where(any_finite, steps[rows, lo], NO_STEP)
    out["max_value"] = np.where(any_finite, values[rows, hi], np.nan)
    out["max_step"] = np.where(any_finite, steps[rows, hi], NO_STEP)
    out["nan_count"] = np.isnan(values).sum(axis=1)
    out["inf_count"] = np.isinf(values).sum(axis=1)
    out["nonfinite_step"] = np.where(any_bad, steps[rows, first_bad], NO_STEP)
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
    take_b = a["nonfinite_step"] == NO_STEP
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
    bad = np.flatnonzero(parts["nonfinite_step"] != NO_STEP)
    i = int(bad[0]) if bad.shape[0] else parts.shape[0] - 1
    out["nonfinite_step"] = parts["nonfinite_step"][i]
    out["nonfinite_value"] = parts["nonfinite_value"][i]
    out["last_wall"] = parts["last_wall"][-1]
    return out


def joined_buckets(a: npt.NDArray[np.void], b: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """``a`` then ``b``: joined as opaque records (``np.concatenate`` of structured
    arrays compares their fields first, which costs more than the copy)."""
    raw = f"V{BUCKET.itemsize}"
    out: npt.NDArray[np.void] = np.concatenate([a.view(raw), b.view(raw)]).view(BUCKET)
    return out
