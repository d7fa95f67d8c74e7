"""Health detectors on real trainings: what they say about runs whose faults are real.

Trains a small MLP with NumPy (minibatch SGD with momentum on learnable synthetic data,
softmax cross-entropy, backpropagation by hand) and logs it with tensorboardX as a
training script would: ``train/loss``, ``train/grad_norm`` and ``train/lr`` every 10
steps, ``val/loss`` and ``val/accuracy`` and the weight histograms every 100. Sane runs
over several seeds and learning-rate schedules (constant, warm-up + cosine, step decay,
exponential decay), and faults from real mechanisms (see ``tests/numpy_training.py``):
a learning rate so high the logits blow up to NaN, unstable heavy momentum, the first
layer left out of the optimizer, every ReLU dead (bias -50), overfitting on 100 training
examples, a learning rate so small nothing moves.

The event files are read back by tfwatch's own loader; the run is then replayed to
``run_health`` one evaluation (100 steps) at a time, as the app would see it grow.

Run:  python bench/real_trainings.py [--seeds 3] [--steps 3000]

Reported per fault: whether its own kind was raised (detected), after how many steps from
the fault's onset (the first non-finite value for a blow-up, the best validation loss for
overfitting, the first evaluation otherwise), the other kinds the run holds at its end
(misdiagnoses), and those raised on the way and cleared since. On sane runs: any
nan/diverging/frozen/exploding_grad/oscillating alert is a false alarm; ``plateau``
warnings and ``converged`` notices are counted apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.numpy_training import FAULTS, SCHEDULES, spec_for, train
from tfwatch.analysis import HealthConfig, run_health
from tfwatch.loading import load_once
from tfwatch.store.histograms import HistogramSeries
from tfwatch.store.runs import Run
from tfwatch.store.series import ScalarSeries

#: The kinds each fault should be diagnosed as (the first one is its own kind), and
#: symptoms that are also right (a gradient norm exploding before the NaN).
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "lr_high": ({"nan"}, {"exploding_grad"}),
    "momentum": ({"diverging", "oscillating"}, {"nan", "exploding_grad"}),
    "frozen_layer": ({"frozen"}, {"converged"}),
    "dead_units": ({"frozen"}, set()),
    "overfit": ({"diverging"}, {"converged"}),
    "lr_tiny": ({"plateau"}, set()),
}
SERIOUS = {"nan", "diverging", "frozen", "exploding_grad", "oscillating", "plateau"}


@dataclass
class Outcome:
    runs: int = 0
    detected: int = 0
    delays: list[int] = field(default_factory=list)
    misdiagnosed: int = 0  # runs whose final alerts include a wrong kind
    other_kinds: set[str] = field(default_factory=set)
    on_the_way: set[str] = field(default_factory=set)  # wrong kinds raised, then cleared


def prefix(run: Run, upto: int) -> Run:
    """A copy of ``run`` holding only its records up to step ``upto``."""
    out = Run(name=run.name, root=run.root, path=run.path)
    for tag, series in run.scalars.items():
        pts = series.recent()
        keep = pts.steps <= upto
        if bool(keep.any()):
            out.scalars[tag] = ScalarSeries(tag)
            out.scalars[tag].extend(pts.steps[keep], pts.values[keep], pts.wall_times[keep])
    for tag, hist in run.histograms.items():
        points = [p for p in hist.recent() if p.step <= upto]
        if points:
            copy = out.histograms[tag] = HistogramSeries(tag)
            for p in points:
                copy.append(p)
    out.last_wall_time = max((s.last_wall_time for s in out.scalars.values()), default=0.0)
    return out


def first_raised(run: Run, last_step: int, config: HealthConfig) -> dict[str, int]:
    """The step at which each alert kind is first raised as the run grows."""
    first: dict[str, int] = {}
    for upto in range(100, last_step + 1, 100):
        part = prefix(run, upto)
        for alert in run_health(part, config, part.last_wall_time + 1, plugins=[]):
            first.setdefault(alert.kind, upto)
    return first


def onset(fault: str, run: Run) -> int:
    """Step where the fault shows in the data."""
    if fault == "lr_high":
        steps = [s.first_nonfinite_step for s in run.scalars.values()]
        return min(s for s in steps if s is not None)
    if fault == "overfit":
        pts = run.scalars["val/loss"].recent()
        return int(pts.steps[int(np.nanargmin(pts.values))])
    return 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args(argv)
    config = HealthConfig()
    started = time.perf_counter()
    clean: dict[str, int] = {"runs": 0, "false": 0, "plateau": 0, "converged": 0}
    false_kinds: set[str] = set()
    faults = {f: Outcome() for f in FAULTS}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        specs = [spec_for(None, seed, args.steps, sch)
                 for seed in range(args.seeds) for sch in SCHEDULES]  # fmt: skip
        specs += [spec_for(f, seed, args.steps) for seed in range(args.seeds) for f in FAULTS]
        for spec in specs:
            train(spec, root)
        loaded = load_once([str(root)])
        for spec in specs:
            run = loaded.runs[spec.name]
            first = first_raised(run, spec.steps, config)
            if spec.fault is None:
                clean["runs"] += 1
                bad = set(first) & (SERIOUS - {"plateau"})
                clean["false"] += bool(bad)
                false_kinds |= bad
                clean["plateau"] += "plateau" in first
                clean["converged"] += "converged" in first
                continue
            own, also = EXPECTED[spec.fault]
            t = faults[spec.fault]
            t.runs += 1
            hits = [first[k] for k in own if k in first]
            if hits:
                t.detected += 1
                t.delays.append(max(0, min(hits) - onset(spec.fault, run)))
            final = {a.kind for a in run_health(run, config, run.last_wall_time + 1, plugins=[])}
            wrong = (final & (SERIOUS | {"converged"})) - own - also
            t.misdiagnosed += bool(wrong)
            t.other_kinds |= wrong
            t.on_the_way |= (set(first) & (SERIOUS | {"converged"})) - own - also - wrong
    print(f"sane runs: {clean['runs']} ({args.seeds} seeds × {len(SCHEDULES)} schedules), "
          f"runs with a false nan/diverging/frozen/exploding_grad/oscillating alarm: "
          f"{clean['false']} {sorted(false_kinds) or ''}, warned plateau: {clean['plateau']}, "
          f"told converged: {clean['converged']}\n")  # fmt: skip
    print("| fault | expected kind | runs | detected | delay, steps (median / max) | "
          "misdiagnosed at the end | wrong kinds at the end | raised on the way, then "
          "cleared |")  # fmt: skip
    print("|---|---|---:|---:|---|---:|---|---|")
    for fault, t in faults.items():
        delay = "-"
        if t.delays:
            delay = f"{np.median(t.delays):.0f} / {max(t.delays)}"
        own, others = " or ".join(sorted(EXPECTED[fault][0])), ", ".join(sorted(t.other_kinds))
        print(f"| {fault} | {own} | {t.runs} | {t.detected} | {delay} | {t.misdiagnosed} | "
              f"{others or '-'} | {', '.join(sorted(t.on_the_way)) or '-'} |")  # fmt: skip
    print(f"\n{len(specs)} trainings of {args.steps} steps, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
