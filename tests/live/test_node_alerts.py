"""The node alert rules over realistic traces: quiet on healthy training with evaluation
and checkpoint pauses and a flaky link; raised on a starved input pipeline, a stuck
collective and a node that stops answering, within the documented delay."""

from __future__ import annotations

from collections.abc import Iterable

from tests.live.node_traces import Trace, observations
from tfwatch.live.node_alerts import NodeAlertLimits, NodeAlertRules, RunObservation
from tfwatch.model.nodes import NodeReading, NodeSource


def replay(trace: Trace, seed: int = 0, finished_at: float | None = None) -> dict[str, list[float]]:
    """Times at which each kind holds."""
    rules = NodeAlertRules(trace.poll_s)
    fired: dict[str, list[float]] = {}
    for t, seen, up in observations(trace, seed):
        if finished_at is not None and t >= finished_at:
            seen = RunObservation(**{**seen.__dict__, "state": "finished"})
        rules.nodes_seen([NodeReading("gpu-a", NodeSource.SSH, up=up)], t)
        for kind, message in rules.observe(seen, t):
            assert message
            fired.setdefault(kind, []).append(t)
    return fired


def first(times: Iterable[float]) -> float:
    return min(times)


def test_healthy_runs_with_pauses_and_a_flaky_link_raise_nothing() -> None:
    for seed in range(3):
        assert replay(Trace(seconds=6 * 3600.0, lost_poll=0.05), seed) == {}


def test_a_long_evaluation_just_under_the_idle_limit_raises_nothing() -> None:
    limit = NodeAlertLimits().idle_s
    trace = Trace(seconds=3 * 3600.0, eval_every=1800.0, eval_s=limit - 30.0)
    assert replay(trace) == {}


def test_a_starved_input_pipeline_is_gpu_idle_after_the_idle_limit() -> None:
    trace = Trace(seconds=3 * 3600.0, starved=(3600.0, 5400.0))
    fired = replay(trace)
    assert set(fired) == {"gpu_idle"}
    onset = first(fired["gpu_idle"])
    assert 3600.0 + NodeAlertLimits().idle_s <= onset <= 3600.0 + NodeAlertLimits().idle_s + 10
    assert max(fired["gpu_idle"]) < 5400.0  # clears once the GPUs work again


def test_a_stuck_collective_is_no_progress() -> None:
    trace = Trace(seconds=3 * 3600.0, stuck=(3600.0, 6000.0))
    fired = replay(trace)
    assert set(fired) == {"no_progress"}
    onset = first(fired["no_progress"])
    floor = NodeAlertLimits().quiet_floor_s
    assert 3600.0 + floor - 2.0 < onset <= 3600.0 + floor + 10  # (last step: the poll before)
    assert max(fired["no_progress"]) < 6010.0


def test_a_node_down_past_two_polls_is_node_down_and_one_lost_poll_is_not() -> None:
    fired = replay(Trace(seconds=3600.0, down=(1800.0, 1900.0)))
    assert set(fired) == {"node_down"}
    onset = first(fired["node_down"])
    assert 1800.0 + 2 * 2.0 < onset <= 1800.0 + 4 * 2.0
    assert max(fired["node_down"]) < 1900.0
    assert replay(Trace(seconds=3600.0, down=(1800.0, 1803.0))) == {}


def test_a_finished_run_whose_node_goes_down_raises_nothing() -> None:
    assert replay(Trace(seconds=3600.0, down=(1800.0, 2400.0)), finished_at=1700.0) == {}


def test_runs_with_unknown_gpus_get_no_gpu_alert() -> None:
    rules = NodeAlertRules(2.0)
    for i in range(1000):
        seen = RunObservation("run", "running", "gpu-a", True, None, 7, 1.0)
        assert rules.observe(seen, i * 2.0) == []
