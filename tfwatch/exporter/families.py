"""The metric families of one publication: what each scrape of ``/metrics`` shows.

Every family is built from one immutable :class:`~tfwatch.live.publications.Published` and a
copy of the roots' states, so a scrape never mixes two passes of the ingest thread.

Series per run (labels ``run`` and ``root``; cardinality is fixed by the run count):

- ``tfwatch_run_last_step``, ``tfwatch_run_steps_per_second`` (NaN when unknown or when
  the run is not stepping), ``tfwatch_run_last_write_timestamp_seconds``;
- ``tfwatch_run_state{state}``: one series per state, 1 for the current one (7 states);
- ``tfwatch_run_alerts{kind}``: active alerts by kind, 0 for the kinds without one (one
  series per built-in kind, plus a plug-in's kinds while they fire);
- ``tfwatch_scalar_last{tag}`` and ``tfwatch_scalar_best{tag}``: only for the tags chosen
  with ``--tags``, at most :data:`MAX_TAGS` of them.

So N runs and T chosen tags give N × (3 + 7 + 11 + 2T) series, whatever the runs write.

Label values are the names as the store holds them, with the bytes of an undecodable
file name written as ``\\xff`` (Prometheus labels are UTF-8); ``prometheus_client``
escapes quotes, backslashes and newlines as the text format requires. Two runs whose
names become the same label value (a literal ``\\xff`` beside the byte 0xff) get ``#2``
appended rather than a duplicate series, which Prometheus would reject with the whole
scrape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from tfwatch.live.publications import Published
from tfwatch.live.view_models import RunSummary
from tfwatch.model.alert_kinds import ALERT_KINDS
from tfwatch.model.run_states import ALL_STATES
from tfwatch.text.safe_text import unicode_text

#: Tags exported as ``tfwatch_scalar_*`` at most, whatever ``--tags`` matches.
MAX_TAGS = 20

RUN_LABELS = ("run", "root")


@dataclass(frozen=True)
class RootHealth:
    """One root's state, copied from the tailer's status at scrape time."""

    root: str
    state: str


@dataclass(frozen=True)
class ExporterTotals:
    """The exporter's own counters."""

    bytes_read: int = 0
    #: Passes whose summaries could not be built (the previous publication is served).
    failed_builds: int = 0


def label_value(text: str) -> str:
    """``text`` as a Prometheus label value (undecodable bytes written as ``\\xff``)."""
    return unicode_text(text)


def run_labels(runs: Iterable[RunSummary]) -> dict[str, tuple[str, str]]:
    """(run, root) label values of each run by name, made unique (see module doc)."""
    out: dict[str, tuple[str, str]] = {}
    taken: set[tuple[str, str]] = set()
    for run in sorted(runs, key=lambda r: r.name):
        base = (label_value(run.name), label_value(run.root))
        labels, n = base, 2
        while labels in taken:
            labels, n = (f"{base[0]}#{n}", base[1]), n + 1
        taken.add(labels)
        out[run.name] = labels
    return out


def run_families(published: Published | None, tags: Sequence[str]) -> list[Metric]:
    """The per-run families of ``published`` (empty families before the first pass)."""
    last_step = GaugeMetricFamily(
        "tfwatch_run_last_step", "Last step written by the run.", labels=RUN_LABELS
    )
    speed = GaugeMetricFamily(
        "tfwatch_run_steps_per_second",
        "Training speed now (NaN when unknown or when the run is not stepping).",
        labels=RUN_LABELS,
    )
    last_write = GaugeMetricFamily(
        "tfwatch_run_last_write_timestamp_seconds",
        "Unix time of the run's last sign of life (event wall time or file growth).",
        labels=RUN_LABELS,
    )
    state = GaugeMetricFamily(
        "tfwatch_run_state", "1 for the run's current state, 0 for the others.",
        labels=(*RUN_LABELS, "state"),
    )  # fmt: skip
    alerts = GaugeMetricFamily(
        "tfwatch_run_alerts", "Active health alerts of the run, by kind.",
        labels=(*RUN_LABELS, "kind"),
    )  # fmt: skip
    last = GaugeMetricFamily(
        "tfwatch_scalar_last", "Last value of a scalar tag chosen with --tags.",
        labels=(*RUN_LABELS, "tag"),
    )  # fmt: skip
    best = GaugeMetricFamily(
        "tfwatch_scalar_best", "Best value so far of a scalar tag chosen with --tags.",
        labels=(*RUN_LABELS, "tag"),
    )  # fmt: skip
    families: list[Metric] = [last_step, speed, last_write, state, alerts, last, best]
    if published is None:
        return families
    runs = published.snapshot.runs
    labels_of = run_labels(runs.values())
    for name, run in sorted(runs.items()):
        labels = list(labels_of[name])
        last_step.add_metric(labels, float(run.last_step))
        speed.add_metric(labels, run.steps_per_second)
        last_write.add_metric(labels, run.activity)
        for s in ALL_STATES:
            state.add_metric([*labels, s.value], 1.0 if run.state == s else 0.0)
        counts: dict[str, int] = {k.value: 0 for k in ALERT_KINDS}
        for alert in run.alert_list:
            counts[alert.kind] = counts.get(alert.kind, 0) + 1
        for kind in run.alerts:  # a kinds-only alert source lists kinds without alerts
            counts[kind] = max(counts.get(kind, 0), 1)
        for kind, n in counts.items():
            alerts.add_metric([*labels, label_value(kind)], float(n))
        for tag in tags:
            metric = run.metrics.get(tag)
            if metric is None:
                continue
            last.add_metric([*labels, label_value(tag)], metric.last_value)
            best.add_metric([*labels, label_value(tag)], metric.best_value)
    return families


def health_families(
    roots: Sequence[RootHealth], totals: ExporterTotals, tags: Sequence[str]
) -> list[Metric]:
    """The exporter's own health: roots failing, bytes read, tags exported."""
    failing = GaugeMetricFamily(
        "tfwatch_roots_failing", "Log roots whose last poll failed (unreadable or gone)."
    )
    failing.add_metric([], float(sum(1 for r in roots if _down(r.state))))
    root_state = GaugeMetricFamily(
        "tfwatch_root_up", "1 when the root's last poll worked, 0 when it failed.",
        labels=("root",),
    )  # fmt: skip
    for r in roots:
        root_state.add_metric([label_value(r.root)], 0.0 if _down(r.state) else 1.0)
    read = CounterMetricFamily(
        "tfwatch_read_bytes", "Bytes of event files read since the exporter started."
    )
    read.add_metric([], float(totals.bytes_read))
    failed = CounterMetricFamily(
        "tfwatch_failed_builds", "Passes whose run summaries could not be built."
    )
    failed.add_metric([], float(totals.failed_builds))
    exported = GaugeMetricFamily(
        "tfwatch_exported_tags", "Scalar tags exported as tfwatch_scalar_* (see --tags)."
    )
    exported.add_metric([], float(len(tags)))
    return [failing, root_state, read, failed, exported]


def _down(state: str) -> bool:
    return state in ("failing", "missing")
