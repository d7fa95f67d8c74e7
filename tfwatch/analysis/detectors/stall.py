"""Flat metrics: the trend test for per-step tags, and stalled versus converged.

Values here are "badness" (``-value`` for higher-is-better metrics), so an improvement is
always a fall, and every amount is in the metric's own units. Noise is the metric's noise
floor (:func:`~tfwatch.analysis.noise.noise_floor`): one point's robust standard
deviation, never below the smallest step the metric takes.

**Per-step tags** (a ``train/loss`` logged every 10 steps). A straight line is fitted to
a trailing stretch of the recent points; its change over the stretch, ± two standard
errors, must lie within ± ``flat_share`` × the progress made before the stretch. The
longest such stretch is the flat one: stretches from ``min_points / 2`` points up,
lengthened by half a ``window`` share of the points at a time, are tried. So a loss
still falling by a visible amount, or rising (diverging's business), is not flat; a warm-up
bump is not flat either. A metric that never moved at all is caught by the same test over
all its points, with ``flat_sigmas`` noise units as the bound (it made no progress to
measure against).

**Stalled or converged.** A flat metric is ``converged`` when it made real progress
before going flat (more than ``progress_sigmas`` noise units from its early level) and
stopped near where it was heading: had it kept the pace it had before the flat stretch,
slowing down as it was (:func:`heading_shortfall`), it would now be better by less than
``stall_share`` of its progress. Otherwise it is a ``plateau``: it stalled while still
heading somewhere, or never learned at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tfwatch.analysis.settings import PlateauSettings
from tfwatch.analysis.small_stats import mean, median
from tfwatch.model.alert_kinds import AlertKind

F64 = npt.NDArray[np.float64]

#: Points whose median is the early level.
EARLY_POINTS = 10


@dataclass(frozen=True)
class FlatStretch:
    """A flat end of a series and what came before it (amounts in the metric's units)."""

    #: Index of the first point of the flat stretch.
    start: int
    #: ``plateau`` (stalled or never learned) or ``converged``.
    kind: AlertKind
    #: Improvement from the early level to the flat level.
    progress: float
    #: How much better it would be at its earlier pace (see :func:`heading_shortfall`).
    shortfall: float
    #: Improvement over the flat stretch (fitted line).
    during: float
    #: The noise floor the amounts were judged by.
    noise: float
    #: Whether it made real progress before going flat.
    learned: bool
    #: Whether it is flat at a level clearly worse than where it started: not a plateau
    #: but a run going wrong (unstable momentum), which is ``diverging``'s business.
    regressed: bool = False


def line_change(bad: F64, noise: float) -> tuple[float, float]:
    """Improvement (fall) of a least-squares line over ``bad`` from its first to its last
    point, and the standard error of that change for independent noise ``noise``."""
    p = bad.shape[0]
    if p < 2:
        return 0.0, math.inf
    # The least-squares slope in closed form over x = 0..p-1 centred (the x's sum is 0,
    # their squares' sum p(p^2-1)/12): what polyfit gives, without its SVD (a run's
    # health asks this ~20 times; polyfit cost 85 us, this 3).
    centred = np.arange(p, dtype=np.float64) - (p - 1) / 2.0
    slope = float(centred @ bad) * 12.0 / (p * (p * p - 1.0))
    se = noise * math.sqrt(12.0 * (p - 1) / (p * (p + 1)))
    return -slope * (p - 1), se


def progress_threshold(points_before: int, noise: float, s: PlateauSettings) -> float:
    """Real progress: ``progress_sigmas`` standard errors of the early level (the median
    of up to :data:`EARLY_POINTS` points, so a noisy loss averaged over ten points is
    judged by a tenth of its variance)."""
    k = max(1, min(EARLY_POINTS, points_before // 3))
    return s.progress_sigmas * noise / math.sqrt(k)


def _flat_from(bad: F64, start: int, early: float, noise: float, s: PlateauSettings) -> bool:
    """Whether the points from ``start`` on change, confidently, by less than
    ``flat_share`` of the progress made from ``early`` to them."""
    change, se = line_change(bad[start:], noise)
    before = early - mean(bad[start:])
    return abs(change) + 2.0 * se < s.flat_share * max(before, 0.0)


def early_level(before: F64) -> float:
    """The level a series started from: the median of the first points of ``before`` (the
    points before its flat stretch), at most a third of them, so that a metric that got
    there fast is not judged by its flat part."""
    return median(before[: max(1, min(EARLY_POINTS, before.shape[0] // 3))])


def classify(
    bad: F64, start: int, noise: float, s: PlateauSettings, early: float | None = None,
    learned_before: bool = False, heading_from: int | None = None,
) -> FlatStretch:  # fmt: skip
    """Stalled or converged, for a series whose points from ``start`` on are flat.
    ``early`` is the level the series started from when ``bad`` holds only its recent
    points (default: from ``bad``). ``learned_before``: the run is known to have made
    real progress before this series' first point (see the plateau detector).
    ``heading_from``: where the descent that led to the flat stretch ended (see
    :func:`arrival`), when known and earlier than ``start``; where it was heading is read
    from the points before it (at least :data:`EARLY_POINTS` of them)."""
    flat = bad[start:]
    level = mean(flat)
    if early is None:
        early = early_level(bad[: max(1, start)])
    progress = early - level
    end = start
    if heading_from is not None and EARLY_POINTS <= heading_from < start:
        end = heading_from
    shortfall = heading_shortfall(bad[:end], bad[end:], noise)
    threshold = progress_threshold(start, noise, s)
    learned = progress > threshold or learned_before
    # Worse than its first three points by 2.5 standard errors of the comparison.
    first = median(bad[:3])
    m = flat.shape[0]
    regressed = not learned_before and level - first > 2.5 * noise * math.sqrt(1 / 3 + 1 / m)
    # Within three noise units the extrapolation cannot tell where it was heading.
    arrived = shortfall <= max(s.stall_share * max(progress, 0.0), 3.0 * noise)
    kind = AlertKind.CONVERGED if learned and arrived else AlertKind.PLATEAU
    during, _ = line_change(flat, noise)
    return FlatStretch(start, kind, progress, shortfall, during, noise, learned, regressed)


def heading_shortfall(before: F64, flat: F64, noise: float) -> float:
    """How much more a series would have improved over its flat stretch ``flat`` had it
    kept the pace it had in the points ``before`` it, slowing down as it was.

    The pace is read from the blocks just before the flat stretch (:func:`_pace_shortfall`)
    and, once more, from the blocks one block earlier, projected over that last block too;
    the smaller answer wins. A learning-rate drop right before the flat stretch is a sudden
    fall, not a pace: judged from before it, the run got where it was heading (and further),
    so it converged, while a run that froze in the middle of a steady descent falls short
    by both readings.
    """
    third = min(before.shape[0] // 3, max(flat.shape[0], 3))
    if third < 1 or flat.shape[0] == 0:
        return 0.0  # too short a history to say it was heading anywhere
    shortfall = _pace_shortfall(before, flat, noise, third)
    block = min(third, before.shape[0] // 4)
    if shortfall > 0 and block >= 1:
        earlier = _pace_shortfall(
            before[:-block], np.concatenate([before[-block:], flat]), noise, block
        )
        shortfall = min(shortfall, earlier)
    return shortfall


def _pace_shortfall(before: F64, flat: F64, noise: float, third: int) -> float:
    """:func:`heading_shortfall` from the last three blocks of ``third`` points of
    ``before``: their means' two drops ``d1`` and ``d2``, and how fast it was slowing
    (``r = d2/d1``). Continued geometrically over as many blocks as the flat stretch is
    long (linearly when it was not slowing), but never further ahead than the three blocks
    it was measured on, that pace says where the series should be by now; the shortfall is
    how far above that its best fifth is. A last drop within two standard errors of zero
    means it had already arrived (0).
    """
    a, b, c = (mean(before[-(3 - i) * third :][:third]) for i in range(3))
    d1, d2 = a - b, b - c
    if d2 <= 2.0 * noise * math.sqrt(2.0 / third):
        return 0.0
    # From the middle of the last block: half a block, then the flat stretch; a pace read
    # over three blocks says nothing about where the series would be ten blocks on.
    m = min(flat.shape[0] / third + 0.5, 3.5)
    if d1 <= d2:
        expected = d2 * m
    else:
        r = d2 / d1
        expected = d2 * r * (1.0 - float(r**m)) / (1.0 - r)
    # Measured to the best fifth of the flat stretch: a metric that has begun to get
    # worse (overfitting) reached its best and is not judged by its decline.
    best = min(mean(part) for part in np.array_split(flat, min(5, flat.shape[0])))
    return float(max(expected - (c - best), 0.0))


def flat_start(
    bad: F64, noise: float, s: PlateauSettings, shortest: int, early: float | None = None
) -> int | None:
    """Where the longest flat trailing stretch of ``bad`` begins (None: none of at least
    ``shortest`` points). Stretches are lengthened by half a ``window`` share of the
    points at a time, so a noisy metric is judged over as many flat points as it has,
    and the stretch starts where the metric went flat."""
    n = bad.shape[0]
    stride = max(1, math.ceil(s.window * n / 2))
    found = None
    for start in range(n - shortest, 1, -stride):
        first = early_level(bad[:start]) if early is None else early
        if _flat_from(bad, start, first, noise, s):
            found = start
    return found


def arrival(bad: F64, start: int, noise: float) -> int:
    """Where the series first came down to the level of its flat stretch (the points from
    ``start`` on): the first index where a short moving average is within two of its
    standard errors of that level, ``start`` at the latest. The best evaluation, where the
    flat stretch is otherwise said to begin, is often a lucky one well after the metric
    stopped moving; judged from there, the points before it are flat too and any stall
    reads as arrived. Judged from its arrival, a series is judged by the descent that led
    to the flat stretch: a converged one slowed down into it, a frozen one did not."""
    if start <= 0:
        return start
    level = mean(bad[start:])
    w = max(3, bad.shape[0] // 40)
    if start < w:
        return start
    avg = np.convolve(bad[: start + w], np.ones(w) / w, mode="valid")
    near = np.flatnonzero(avg <= level + 2.0 * noise / math.sqrt(w))
    return min(start, int(near[0]) + w // 2) if near.shape[0] else start


def flat_end(
    bad: F64, noise: float, s: PlateauSettings, early: float | None = None
) -> FlatStretch | None:
    """The flat end of a per-step series (None: still moving, or too few points).
    ``early`` as for :func:`classify`."""
    n = bad.shape[0]
    if n < s.min_points:
        return None
    found = flat_start(bad, noise, s, s.min_points // 2, early)
    if found is not None:
        return classify(bad, found, noise, s, early)
    # Never moved at all: within flat_sigmas noise units over every recent point, as a
    # line and as the means of its quarters (a warm-up bump is a line's change of 0).
    change, se = line_change(bad, noise)
    quarters = [mean(q) for q in np.array_split(bad, 4)]
    bound = s.flat_sigmas * noise
    if early is None and abs(change) + 2.0 * se < bound and np.ptp(quarters) < bound:
        return classify(bad, 0, noise, s)
    return None
