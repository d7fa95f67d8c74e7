"""Realistic per-poll traces of one training run as its node reports it, for the node
alert rules: GPU utilisation with evaluation and checkpoint dips, steps that pause while
they run, and the faults the rules are meant to catch. Shared by the unit tests and
``bench/node_alerts_replay.py`` (which counts false alarms over many seeds)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from tfwatch.live.node_alerts import RunObservation


@dataclass(frozen=True)
class Trace:
    """A run's schedule (seconds): healthy training with periodic pauses."""

    seconds: float = 24 * 3600.0
    poll_s: float = 2.0
    step_s: float = 0.5
    busy: float = 93.0
    #: Evaluation every ``eval_every`` s for ``eval_s`` s (GPU near idle: data loading
    #: of the eval set, metric code on the CPU), checkpoint every ``ckpt_every`` s.
    eval_every: float = 900.0
    eval_s: float = 150.0
    ckpt_every: float = 3600.0
    ckpt_s: float = 90.0
    #: Extra faults: (start, end) of a starved input pipeline, a stuck collective, a
    #: node that does not answer.
    starved: tuple[float, float] | None = None
    stuck: tuple[float, float] | None = None
    down: tuple[float, float] | None = None
    #: Each poll of the node fails alone with this probability (a flaky link).
    lost_poll: float = 0.0


def observations(trace: Trace, seed: int = 0) -> Iterator[tuple[float, RunObservation, bool]]:
    """(time, observation, node up) for every poll of the trace."""
    rng = random.Random(seed)
    # Each run's pauses start at a phase of their own.
    eval_phase = rng.uniform(0, trace.eval_every)
    ckpt_phase = rng.uniform(0, trace.ckpt_every)
    step, t = 0, 0.0
    while t < trace.seconds:
        in_eval = (t + eval_phase) % trace.eval_every < trace.eval_s
        in_ckpt = (t + ckpt_phase) % trace.ckpt_every < trace.ckpt_s
        starved = trace.starved is not None and trace.starved[0] <= t < trace.starved[1]
        stuck = trace.stuck is not None and trace.stuck[0] <= t < trace.stuck[1]
        down = trace.down is not None and trace.down[0] <= t < trace.down[1]
        up = not down and rng.random() >= trace.lost_poll
        if stuck:
            util = rng.uniform(97, 100)
        elif starved:
            util = rng.uniform(0, 2)
        elif in_eval or in_ckpt:
            # Mostly idle, with bursts of the forward passes of evaluation.
            util = rng.uniform(0, 3) if rng.random() < 0.7 else rng.uniform(20, 60)
        else:
            util = min(100.0, max(0.0, rng.gauss(trace.busy, 5.0)))
            step += int(trace.poll_s / trace.step_s)
        if starved:
            step += rng.random() < 0.05  # a batch now and then
        yield t, RunObservation("run", "running", "gpu-a", up, util, step, trace.step_s), up
        t += trace.poll_s
