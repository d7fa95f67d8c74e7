"""Alerts: formatting, JSON shape, and raise-once tracking."""

from __future__ import annotations

import json

from tfwatch.analysis.alerts import Alert, AlertTracker, format_alert, kind_order


def alert(run: str = "r1", kind: str = "nan", tag: str = "loss", step: int = 10) -> Alert:
    return Alert(run, tag, step, 1_700_000_000.0 + step, kind, f"{tag} became NaN")


def test_format_alert_is_one_line_with_run_kind_tag_and_step() -> None:
    line = format_alert(alert(step=12_000))
    assert line == "r1  nan  loss@12,000  loss became NaN"
    run_level = Alert("r2", "", -1, 0.0, "two_writers", "2 event files growing at once")
    assert format_alert(run_level) == "r2  two_writers  -  2 event files growing at once"
    stalled = Alert("r3", "", 500, 0.0, "stalled", "no new events for 12m")
    assert format_alert(stalled) == "r3  stalled  step 500  no new events for 12m"


def test_to_dict_is_json_ready() -> None:
    data = json.loads(json.dumps(alert().to_dict()))
    assert data == {
        "run": "r1", "tag": "loss", "step": 10, "wall_time": 1_700_000_010.0,
        "kind": "nan", "message": "loss became NaN",
    }  # fmt: skip


def test_raised_once_per_run_kind_and_tag_until_it_clears() -> None:
    tracker = AlertTracker()
    first = tracker.update([alert(), alert(step=12)])
    assert [(a.tag, a.step) for a in first] == [("loss", 10)]  # one per (run, kind, tag)
    assert tracker.update([alert(step=11)]) == []  # still holds: not raised again
    assert tracker.active()[0].step == 10  # the onset as first raised
    assert tracker.update([]) == []  # cleared
    assert tracker.active() == []
    again = tracker.update([alert(step=50)])
    assert [a.step for a in again] == [50]  # holds again: raised again


def test_each_tag_of_one_kind_is_its_own_alert() -> None:
    tracker = AlertTracker()
    both = [alert(tag="train/loss", step=10), alert(tag="val/loss", step=12)]
    assert [a.tag for a in tracker.update(both)] == ["train/loss", "val/loss"]
    assert {a.tag for a in tracker.active()} == {"train/loss", "val/loss"}
    # val/loss recovers (its NaN window scrolled away): only that one clears.
    assert tracker.update([both[0]]) == []
    assert [a.tag for a in tracker.active()] == ["train/loss"]
    assert [a.tag for a in tracker.update(both)] == ["val/loss"]  # raised again alone


def test_kinds_and_runs_are_tracked_separately() -> None:
    tracker = AlertTracker()
    new = tracker.update([alert("r1", "nan"), alert("r1", "plateau"), alert("r2", "nan")])
    assert {(a.run, a.kind) for a in new} == {("r1", "nan"), ("r1", "plateau"), ("r2", "nan")}
    assert tracker.update([alert("r1", "nan"), alert("r2", "nan")]) == []
    assert {a.kind for a in tracker.active()} == {"nan"}


def test_a_pass_over_some_runs_leaves_the_others_alone() -> None:
    tracker = AlertTracker()
    tracker.update([alert("r1"), alert("r2")])
    assert tracker.update([], runs=["r1"]) == []
    assert [a.run for a in tracker.active()] == ["r2"]
    assert [a.run for a in tracker.update([alert("r1")], runs=["r1"])] == ["r1"]


def test_active_is_most_recently_raised_first_and_clear_forgets() -> None:
    tracker = AlertTracker()
    tracker.update([alert("r2", step=50)])
    tracker.update([alert("r2", step=50), alert("r1", step=5)])
    assert [a.run for a in tracker.active()] == ["r1", "r2"]  # r1 raised last
    tracker.clear("r2")
    assert [a.run for a in tracker.active()] == ["r1"]
    tracker.clear()
    assert tracker.active() == []


def test_kind_order_puts_unknown_kinds_last() -> None:
    assert kind_order("nan") < kind_order("plateau") < kind_order("my_plugin_kind")
