"""False-alarm rate and detection delay of tfwatch's health detectors.

Generates a few hundred clean, noisy, realistic training curves (train loss logged every
few steps, validation loss and accuracy every evaluation; constant, step-decay, cosine,
warm-up + cosine and exponential learning-rate schedules; several noise levels; mild
overfitting) and faulty ones with a known onset (NaN, divergence, plateau, oscillation).
Each curve is fed to the real store (``ScalarSeries`` in a ``Run``) and checked by
``run_health`` as it grows, as the app would on each refresh; a detection is then
narrowed down to the exact point by bisection.

Run:  python bench/false_alarms.py [--seed 0] [--clean 300] [--faulty 60]

How alarms on clean curves are judged:

* nan, diverging, oscillating: clean curves contain none of these, so any alarm is false.
* plateau: the detector replays Keras' EarlyStopping, so on the observed data every alarm
  is one Keras would raise too. That alone would make the rate 0 % by construction, so it
  is judged against the noise-free curve instead: an alarm is *premature* (false) when,
  over the ``patience`` evaluations before it, the noise-free metric still improved by
  more than one standard deviation of the evaluation noise (plus ``min_delta``) — an
  improvement a person could see. Flattening that is smaller than the noise is a real
  plateau: the data cannot show progress and EarlyStopping stops, as it would in Keras.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tfwatch.analysis import HealthConfig, load_config, run_health
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries

SCHEDULES = ("constant", "step", "cosine", "warmup_cosine", "exponential")
TRAIN_NOISE = (0.01, 0.03, 0.06, 0.10)  # share of the loss's total drop
EVAL_NOISE = (0.002, 0.005, 0.01, 0.02)
CHECKPOINTS = 40
FAULTS = ("nan", "diverging", "plateau", "oscillating")


@dataclass
class Curve:
    """One tag of one synthetic run, with its noise-free version and known fault."""

    name: str
    tag: str
    steps: np.ndarray
    values: np.ndarray
    truth: np.ndarray  # noise-free values (NaN where the fault makes them undefined)
    noise: float  # standard deviation of one point's noise
    higher: bool
    fault: str | None = None
    onset: int | None = None  # index of the first faulty point
    info: dict[str, object] = field(default_factory=dict)


def lr_schedule(kind: str, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Learning rate relative to its peak, over run progress ``u`` in [0, 1]."""
    if kind == "constant":
        return np.ones_like(u)
    if kind == "step":
        return np.where(u < 0.5, 1.0, np.where(u < 0.75, 0.1, 0.01))
    if kind == "cosine":
        return 0.5 * (1 + np.cos(np.pi * u))
    if kind == "warmup_cosine":
        w = rng.uniform(0.03, 0.1)
        return np.where(u < w, u / w, 0.5 * (1 + np.cos(np.pi * (u - w) / (1 - w))))
    return np.exp(-3.0 * u)


def base_curve(rng: np.random.Generator, n: int, schedule: str) -> np.ndarray:
    """Noise-free loss in [0, 1] (1 = start, 0 = best reachable) under ``schedule``.

    Progress follows the integrated learning rate; a share ``beta`` of the loss rises and
    falls with the learning rate itself (the noise floor of SGD), which is what makes
    losses drop at a step decay and bump up during warm-up.
    """
    u = np.linspace(0, 1, n)
    lr = lr_schedule(schedule, u, rng)
    k = rng.uniform(3.0, 9.0)
    progress = 1 - np.exp(-k * np.cumsum(lr) / n * (1.0 if schedule == "constant" else 1.6))
    beta = rng.uniform(0.05, 0.3)
    return (1 - beta) * (1 - progress) + beta * lr * (1 - progress) ** 0.3 * 0.6


def make_run(rng: np.random.Generator, i: int) -> dict[str, Curve]:
    """A clean run: train loss, validation loss and validation accuracy."""
    total = int(rng.choice([5_000, 20_000, 50_000, 200_000]))
    train_every = int(rng.choice([10, 20, 50, 100]))
    evals = int(rng.integers(30, 150))
    eval_every = max(train_every, total // evals)
    schedule = str(rng.choice(SCHEDULES))
    l0, floor = rng.uniform(1.0, 7.0), rng.uniform(0.01, 0.5)
    steps_t = np.arange(train_every, total + 1, train_every, dtype=np.int64)
    shape_t = base_curve(rng, steps_t.shape[0], schedule)
    steps_e = (
        steps_t[(steps_t % eval_every) == 0]
        if eval_every % train_every == 0
        else steps_t[:: max(1, eval_every // train_every)]
    )
    shape_e = np.interp(steps_e, steps_t, shape_t)
    drop = l0 - floor
    out: dict[str, Curve] = {}
    # Train loss: per-batch noise with heavy-ish tails (Student t, 5 dof).
    rel = float(rng.choice(TRAIN_NOISE))
    sigma = rel * drop
    truth = floor + drop * shape_t
    noise = sigma * rng.standard_t(5, steps_t.shape[0]) / math.sqrt(5 / 3)
    out["train/loss"] = Curve(f"r{i}", "train/loss", steps_t, truth + noise, truth, sigma, False,
                              info={"schedule": schedule, "noise": rel})  # fmt: skip
    # Validation loss: less noise, sometimes mild overfitting late in the run.
    rel_e = float(rng.choice(EVAL_NOISE))
    gap = rng.uniform(1.02, 1.15)
    give_back = rng.uniform(0.0, 0.25) if rng.random() < 0.4 else 0.0
    ue = np.linspace(0, 1, steps_e.shape[0])
    overfit = give_back * drop * np.clip((ue - 0.6) / 0.4, 0, 1) ** 2 * (1 - shape_e[-1])
    truth_v = (floor + drop * shape_e) * gap + overfit
    sigma_v = rel_e * drop
    observed_v = truth_v + rng.normal(0, sigma_v, steps_e.shape[0])
    info = {"schedule": schedule, "noise": rel_e}
    out["val/loss"] = Curve(
        f"r{i}", "val/loss", steps_e, observed_v, truth_v, sigma_v, False, info=info
    )
    # Validation accuracy: from chance towards a ceiling, as the loss falls.
    chance, ceiling = rng.uniform(0.0, 0.5), rng.uniform(0.7, 0.99)
    acc = chance + (ceiling - chance) * (1 - shape_e) ** rng.uniform(0.6, 1.4)
    sigma_a = rel_e * (ceiling - chance)
    observed_a = acc + rng.normal(0, sigma_a, steps_e.shape[0])
    out["val/acc"] = Curve(
        f"r{i}", "val/acc", steps_e, observed_a, acc, sigma_a, True, info=dict(info)
    )
    return out


def inject(curve: Curve, fault: str, rng: np.random.Generator) -> Curve:
    """A copy of ``curve`` with ``fault`` starting at a random point."""
    n = curve.values.shape[0]
    onset = int(rng.integers(int(0.3 * n), int(0.8 * n)))
    values, truth = curve.values.copy(), curve.truth.copy()
    span = float(np.nanmax(truth) - np.nanmin(truth))
    sign = 1.0 if curve.higher else -1.0  # direction of "better"
    if fault == "nan":
        if rng.random() < 0.5:
            values[onset:] = np.nan
        else:
            values[onset] = float(rng.choice([np.nan, np.inf]))
    elif fault == "diverging":
        length = max(5, int(rng.uniform(0.05, 0.2) * n))
        ramp = np.expm1(
            np.linspace(0, 3, n - onset)[: n - onset] * (n - onset) / length
        ) / math.expm1(3)
        worse = -sign * span * np.minimum(ramp, 3.0)
        values[onset:] += worse
        truth[onset:] += worse
    elif fault == "plateau":
        values[onset:] = truth[onset] + (values[onset:] - truth[onset:])
        truth[onset:] = truth[onset]
    elif fault == "oscillating":
        amp = rng.uniform(0.3, 0.8) * span
        if rng.random() < 0.3:
            wave = np.where(np.arange(n - onset) % 2 == 0, 1.0, -1.0)  # flips every point
        else:
            period = rng.uniform(4, 20)
            wave = np.sin(2 * np.pi * np.arange(n - onset) / period)
        values[onset:] += amp * wave
        truth[onset:] += amp * wave
    return Curve(curve.name, curve.tag, curve.steps, values, truth, curve.noise, curve.higher,
                 fault, onset, dict(curve.info))  # fmt: skip


def alerts_at(curve: Curve, upto: int, config: HealthConfig) -> set[str]:
    """Alert kinds ``run_health`` reports with the first ``upto`` points of ``curve``."""
    run = Run(name=curve.name, root="bench", path="bench")
    series = ScalarSeries(curve.tag)
    walls = 1.7e9 + curve.steps[:upto].astype(np.float64) * 0.05
    series.extend(curve.steps[:upto], curve.values[:upto], walls)
    run.scalars[curve.tag] = series
    run.last_wall_time = float(walls[-1])
    return {a.kind for a in run_health(run, config, now=float(walls[-1]) + 1, plugins=[])}


def first_alert(
    curve: Curve, kind: str | frozenset[str], config: HealthConfig, start: int = 2
) -> int | None:
    """Smallest prefix length (points) at which ``kind`` (or one of the kinds) is reported,
    coarse then bisected: the alert is first raised when point ``hit - 1`` arrives."""
    kinds = frozenset([kind]) if isinstance(kind, str) else kind
    n = curve.values.shape[0]
    marks = sorted({int(m) for m in np.linspace(start, n, CHECKPOINTS)} | {n})
    prev = start - 1
    for m in marks:
        if m < start:
            continue
        if kinds & alerts_at(curve, m, config):
            lo, hi = prev, m  # not at lo (or unknown), alert at hi
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if kinds & alerts_at(curve, mid, config):
                    hi = mid
                else:
                    lo = mid
            return hi
        prev = m
    return None


FLAT = frozenset({"plateau", "converged"})


def trend_gain(curve: Curve, alert_len: int, config: HealthConfig) -> tuple[float, float, float]:
    """For a per-step tag: how much the noise-free curve improved over the stretch the
    alarm calls flat (from the alert's step to the latest point), and the yardstick:
    ``flat_share`` of the progress the noise-free curve made before that stretch (the
    rule's own definition of still improving). The strict count uses two standard errors
    of a line fit over the stretch instead. An alarm on a noise-free curve that moved
    less than ``flat_sigmas`` noise units over the points judged is never premature (it
    never learned)."""
    s = config.plateau.for_tag(curve.tag)
    run = Run(name=curve.name, root="bench", path="bench")
    series = run.scalars[curve.tag] = ScalarSeries(curve.tag)
    walls = 1.7e9 + curve.steps[:alert_len].astype(np.float64) * 0.05
    series.extend(curve.steps[:alert_len], curve.values[:alert_len], walls)
    run.last_wall_time = float(walls[-1])
    [alert] = [a for a in run_health(run, config, float(walls[-1]) + 1, plugins=[])
               if a.kind in FLAT]  # fmt: skip
    n = series.recent().steps.shape[0]
    sign = 1.0 if curve.higher else -1.0
    good = sign * curve.truth[:alert_len]
    a = int(np.searchsorted(curve.steps, alert.step))
    if float(np.ptp(good[alert_len - n :])) < s.flat_sigmas * curve.noise:
        return 0.0, math.inf, math.inf
    gain = float(good[-1] - good[a])
    progress = float(good[a] - np.median(good[:10]))
    p = max(alert_len - a, 2)
    se = curve.noise * math.sqrt(12 * (p - 1) / (p * (p + 1)))
    return gain, s.flat_share * max(progress, 0.0), 2 * se


def plateau_gain(curve: Curve, alert_len: int, config: HealthConfig) -> tuple[float, float, float]:
    """How much the noise-free curve improved over the ``patience`` evaluations before the
    alarm, and the two yardsticks it is judged by: one noise standard deviation, and two
    standard errors of a straight-line fit's change over those points (what a regression
    on the same data could call significant)."""
    s = config.plateau.for_tag(curve.tag)
    i = alert_len - 1
    j = max(0, i - s.patience)
    sign = 1.0 if curve.higher else -1.0
    gain = float(np.max(sign * curve.truth[: i + 1]) - np.max(sign * curve.truth[: j + 1]))
    p = i - j + 1
    se = curve.noise * math.sqrt(12 * (p - 1) / (p * (p + 1))) if p > 1 else curve.noise
    return gain - s.min_delta, 2 * se, curve.noise


@dataclass
class Tally:
    clean: int = 0
    false_alarms: int = 0
    all_alarms: int = 0
    false_strict: int = 0  # plateau only: judged by the one-noise-sd yardstick
    faulty: int = 0
    detected: int = 0
    early: int = 0
    warned: int = 0  # plateau only: clean curves warned plateau (not converged) at some point
    said_converged: int = 0  # plateau only: detected curves first flagged as converged
    plateau_at_end: int = 0  # plateau only: detected curves warned plateau at their end
    # plateau only: faulty curves frozen far from where the clean curve went (see
    # far_from_heading), and how many of them end warned plateau / told converged.
    far: int = 0
    far_plateau: int = 0
    far_converged: int = 0
    delays: list[int] = field(default_factory=list)
    delay_share: list[float] = field(default_factory=list)  # delay / run length


def evaluate(
    seed: int, n_clean: int, n_faulty: int, config: HealthConfig, progress: Callable[[str], None]
) -> dict[str, Tally]:
    rng = np.random.default_rng(seed)
    tally = {k: Tally() for k in FAULTS}
    runs = [make_run(rng, i) for i in range(math.ceil(n_clean / 3))]
    clean = [c for r in runs for c in r.values()][:n_clean]
    for idx, curve in enumerate(clean):
        if idx % 50 == 0:
            progress(f"clean {idx}/{len(clean)}")
        for kind in FAULTS:
            tally[kind].clean += 1
            hit = first_alert(curve, FLAT if kind == "plateau" else kind, config)
            if hit is None:
                continue
            tally[kind].all_alarms += 1
            if kind != "plateau":
                tally[kind].false_alarms += 1
                continue
            # plateau or converged on a clean curve: false when it was still improving.
            tally[kind].warned += first_alert(curve, "plateau", config) is not None
            judge = plateau_gain if "val" in curve.tag else trend_gain
            gain, yardstick, strict = judge(curve, hit, config)
            tally[kind].false_alarms += gain > yardstick
            tally[kind].false_strict += gain > min(yardstick, strict)
    for kind in FAULTS:
        for j in range(n_faulty):
            if j % 20 == 0:
                progress(f"{kind} {j}/{n_faulty}")
            runs_f = make_run(rng, 10_000 + j)
            if kind == "plateau":
                base = runs_f[str(rng.choice(["train/loss", "val/loss", "val/acc"]))]
            elif kind == "oscillating":
                base = runs_f[str(rng.choice(["train/loss", "val/acc"]))]
            else:
                base = runs_f[str(rng.choice(["train/loss", "val/loss", "val/acc"]))]
            curve = inject(base, kind, rng)
            assert curve.onset is not None
            t = tally[kind]
            t.faulty += 1
            if kind == "plateau" and far_from_heading(base, curve.onset, config):
                t.far += 1
                end = alerts_at(curve, curve.values.shape[0], config)
                t.far_plateau += "plateau" in end
                t.far_converged += "converged" in end
            hit = first_alert(curve, FLAT if kind == "plateau" else kind, config)
            if hit is None:
                continue
            if hit - 1 < curve.onset:
                t.early += 1  # raised before the fault began: also a false alarm
                continue
            if kind == "plateau" and "plateau" not in alerts_at(curve, hit, config):
                t.said_converged += 1  # flagged flat after the onset, but read as converged
            if kind == "plateau":
                t.plateau_at_end += "plateau" in alerts_at(curve, curve.values.shape[0], config)
            t.detected += 1
            t.delays.append(hit - 1 - curve.onset)
            t.delay_share.append((hit - 1 - curve.onset) / curve.values.shape[0])
    return tally


def far_from_heading(clean: Curve, onset: int, config: HealthConfig) -> bool:
    """Whether freezing ``clean`` at ``onset`` leaves it far above where it went: its
    noise-free curve still improved afterwards by more than the plateau rule's
    ``stall_share`` of the progress made before, and by more than three noise units. Most
    freezes the generator draws come late in the descent and leave less than that: those
    converged as far as anything could tell."""
    sign = 1.0 if clean.higher else -1.0
    good = sign * clean.truth
    before = float(good[onset] - good[0])
    after = float(np.max(good[onset:]) - good[onset])
    return after > max(config.plateau.stall_share * before, 3.0 * clean.noise)


def table(tally: dict[str, Tally]) -> str:
    head = (
        "kind", "clean curves", "false alarms", "rate", "faulty curves", "detected",
        "raised before onset", "delay, points (median / p90)", "delay, % of run (median / p90)",
        "of the detected: read as converged first / warned plateau at the end",
    )  # fmt: skip
    rows = ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    for kind, t in tally.items():
        rate = t.false_alarms / t.clean if t.clean else math.nan
        extra = ""
        if kind == "plateau":
            extra = (
                f" ({t.false_strict} by the strict yardstick, {t.all_alarms} alarms in all, "
                f"{t.warned} clean curves warned plateau rather than converged)"
            )
        delay, share = "-", "-"
        if t.delays:
            d, p = np.array(t.delays), np.array(t.delay_share)
            delay = f"{np.median(d):.0f} / {np.quantile(d, 0.9):.0f}"
            share = f"{np.median(p):.1%} / {np.quantile(p, 0.9):.1%}"
        rows.append(
            f"| {kind} | {t.clean} | {t.false_alarms}{extra} | {rate:.1%} | {t.faulty} | "
            f"{t.detected} ({t.detected / max(t.faulty, 1):.0%}) | {t.early} | {delay} | {share} |"
            + (f" {t.said_converged} / {t.plateau_at_end} |" if kind == "plateau" else " |")
        )
    p = tally["plateau"]
    rows.append(
        f"\nplateau faults frozen far from where they were heading (> stall_share of their "
        f"progress and 3 noise units left): {p.far} of {p.faulty}; at the end warned plateau: "
        f"{p.far_plateau}, told converged: {p.far_converged}"
    )
    return "\n".join(rows)


def health_cost(config: HealthConfig, calls: int = 100) -> float:
    """Milliseconds per ``run_health`` call on a busy run: 5 scalar tags (three with 20,000
    points, so the store has folded old ones into buckets), 2 histogram tags."""
    from tfwatch.model.histograms import HistogramPoint
    from tfwatch.store.histograms import HistogramSeries

    rng = np.random.default_rng(0)
    run = Run(name="busy", root="bench", path="bench")
    steps = np.arange(0, 200_000, 10, dtype=np.int64)
    walls = 1.7e9 + steps.astype(np.float64) * 0.05
    dense = {
        "train/loss": 0.3 + 2 * np.exp(-steps / 40_000) + rng.normal(0, 0.05, steps.size),
        "train/grad_norm": np.abs(1 + 0.2 * rng.normal(size=steps.size)),
        "lr": np.full(steps.size, 0.1),
    }
    evals = steps[::200]
    sparse = {
        "val/loss": 0.35 + 2 * np.exp(-evals / 40_000) + rng.normal(0, 0.01, evals.size),
        "val/acc": 0.9 - 0.8 * np.exp(-evals / 40_000) + rng.normal(0, 0.005, evals.size),
    }
    for tag, values in dense.items():
        run.scalars[tag] = ScalarSeries(tag)
        run.scalars[tag].extend(steps, values, walls)
    for tag, values in sparse.items():
        run.scalars[tag] = ScalarSeries(tag)
        run.scalars[tag].extend(evals, values, walls[::200])
    for tag in ("layer1/kernel", "layer2/kernel"):
        hist = run.histograms[tag] = HistogramSeries(tag)
        for step in evals[-64:]:
            counts = rng.integers(0, 100, 30).astype(np.float64)
            wall = 1.7e9 + float(step) * 0.05
            edges = np.linspace(-1, 1, 30)
            hist.append(HistogramPoint(int(step), wall, -1, 1, 100, float(step), 1, edges, counts))
    run.last_wall_time = float(walls[-1])
    started = time.perf_counter()
    for _ in range(calls):
        run_health(run, config, now=run.last_wall_time + 1, plugins=[])
    return (time.perf_counter() - started) / calls * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clean", type=int, default=300, help="clean curves (3 per run)")
    parser.add_argument("--faulty", type=int, default=60, help="faulty curves per kind")
    parser.add_argument("--config", help="a tfwatch config.toml to use instead of defaults")
    args = parser.parse_args(argv)
    config = load_config(args.config) if args.config else HealthConfig()
    started = time.perf_counter()
    tally = evaluate(
        args.seed, args.clean, args.faulty, config, lambda m: print(m, file=sys.stderr)
    )
    print(table(tally))
    print(f"\nseed {args.seed}, {time.perf_counter() - started:.0f} s")
    print(f"run_health on a busy run (5 scalar tags, 2 histograms): {health_cost(config):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
