"""Columns of the runs table and how a run becomes a row of cells.

Cells are ``rich.text.Text`` built here, never markup strings: run names, tags and
hparams come from files anyone can write (``sweep[lr=0.1]`` must keep its brackets) and
go through :func:`printable` so no control character reaches the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text

from tfwatch.live.view_models import SPARK_WIDTH, MetricSummary, RunSummary, TargetSteps
from tfwatch.model.run_states import ENDED_STATES
from tfwatch.text.durations import format_age
from tfwatch.text.numbers import format_count, format_short, format_value
from tfwatch.text.safe_text import printable
from tfwatch.text.sparkline import NONFINITE_MARKS

STATE_GLYPHS = {
    "running": "●",
    "stalled": "◆",
    "idle": "◐",
    "finished": "○",
    "crashed": "✖",
    "unknown": "◌",
    "gone": "✕",
}
STATE_STYLES = {
    "running": "green",
    "stalled": "bold yellow",
    "idle": "yellow",
    "finished": "dim",
    "crashed": "bold red",
    "unknown": "dim",
    "gone": "red",
}
#: Marker of a run written on another host (no process to see here).
REMOTE_GLYPH, REMOTE_STYLE = "@", "cyan"
#: One letter per alert kind in the badge column (other kinds: their first letter).
ALERT_LETTERS = {
    "nan": "N",
    "diverging": "D",
    "exploding_grad": "G",
    "crashed": "C",
    "stalled": "S",
    "plateau": "P",
    "oscillating": "O",
    "frozen": "F",
    "two_writers": "W",
    "too_frequent": "T",
    "node_down": "X",
    "gpu_idle": "I",
    "no_progress": "B",
    "detector_error": "?",
    "health_check_failed": "?",
}
#: Kinds that need a person now (red); the others are hints (yellow).
SEVERE_ALERTS = frozenset({"nan", "diverging", "exploding_grad", "crashed", "node_down"})
BADGE_WIDTH = 4
MARK = "▌"
#: Padding DataTable adds around every cell (cell_padding=1 on each side).
CELL_PADDING = 2
NAME_MIN, NAME_MAX = 14, 48


@dataclass(frozen=True)
class Column:
    """A column: key, header, fixed width, and drop priority (higher drops first)."""

    key: str
    label: str
    width: int
    priority: int
    metric: str | None = None
    field: str = ""


def metric_label(tag: str, others: Iterable[str] = ()) -> str:
    """A short header for ``tag``: the fewest trailing path parts that no tag of ``others``
    ends with (``train/loss`` → ``loss``; with ``val/accuracy`` about, ``train/accuracy``
    stays whole)."""
    parts = tag.split("/")
    rivals = [t for t in others if t != tag]
    for k in range(1, len(parts)):
        suffix = "/".join(parts[-k:])
        if not any(t == suffix or t.endswith("/" + suffix) for t in rivals):
            return printable(suffix)
    return printable(tag)


def _fit_label(label: str, least: int) -> tuple[str, int]:
    """(label, column width): the column widened for the label up to LABEL_MAX, longer
    labels shortened in the middle (both ends tell tags apart: ``train/…/loss``)."""
    if len(label) > LABEL_MAX:
        keep = LABEL_MAX - 1
        label = label[: keep // 2] + "…" + label[len(label) - (keep - keep // 2) :]
    return label, max(least, len(label))


def all_columns(
    metrics: tuple[str, ...],
    targets: tuple[str, ...] = (),
    known_tags: Iterable[str] = (),
    nodes: bool = False,
) -> list[Column]:
    """Every column the table can show for ``metrics`` (and ``--target`` tags), in order;
    headers name each tag by the shortest suffix that no other of ``known_tags`` shares.
    ``nodes``: the run's node and its own GPUs' utilisation and memory (node sources)."""
    universe = {*known_tags, *metrics, *targets}
    cols = [
        Column("flags", "", 3, 0),
        Column("name", "run", NAME_MIN, 0),
        Column("step", "step", 7, 1),
        Column("speed", "steps/s", 7, 6),
        Column("age", "upd", 4, 3),
    ]
    if nodes:
        cols += [
            Column("node", "node", NODE_WIDTH, 4),
            Column("gpu_util", "gpu%", 4, 5),
            Column("gpu_memory", "gmem", 4, 6),
        ]
    cols.append(Column("badge", "!", BADGE_WIDTH, 1))
    for i, tag in enumerate(metrics):
        base = 0 if i == 0 else 7 + i
        label, width = _fit_label(metric_label(tag, universe), VALUE_WIDTH)
        cols += [
            Column(f"m{i}:last", label, width, base, tag, "last"),
            Column(f"m{i}:best", "best", 9, 5 if i == 0 else base + 1, tag, "best"),
            Column(f"m{i}:spark", "history", SPARK_WIDTH, 2 if i == 0 else base, tag, "spark"),
            Column(f"m{i}:trend", "trend", 8, 4 if i == 0 else base + 1, tag, "trend"),
        ]
        if i == 0:
            cols.append(Column("forecast", "forecast", FORECAST_WIDTH, 6, tag, "forecast"))
    for j, target in enumerate(targets):
        label, width = _fit_label(f"→{metric_label(target, universe)}", ETA_WIDTH)
        cols.append(Column(f"eta{j}", label, width, 6, target, "eta"))
    return cols


FORECAST_WIDTH = 16
NODE_WIDTH = 10
ETA_WIDTH = 9
#: Width of a metric's value cells, and the most a header may widen a column to.
VALUE_WIDTH = 9
LABEL_MAX = 16


def fit_columns(
    metrics: tuple[str, ...],
    width: int,
    longest_name: int,
    targets: tuple[str, ...] = (),
    known_tags: Iterable[str] = (),
    nodes: bool = False,
) -> list[Column]:
    """The columns that fit in ``width`` cells, dropping by priority; the name column
    takes what is left (between NAME_MIN and NAME_MAX, no wider than the longest name).
    ``known_tags``: every tag seen, so that headers tell apart tags ending alike."""
    cols = all_columns(metrics, targets, known_tags, nodes)
    budget = width - 2  # the vertical scrollbar
    by_priority = sorted(cols, key=lambda c: c.priority)
    keep: set[str] = set()
    used = 0
    for col in by_priority:
        need = col.width + CELL_PADDING
        if col.priority == 0 or used + need <= budget:
            keep.add(col.key)
            used += need
    chosen = [c for c in cols if c.key in keep]
    fixed = sum(c.width + CELL_PADDING for c in chosen if c.key != "name")
    name_width = max(NAME_MIN, min(NAME_MAX, budget - fixed - CELL_PADDING, max(longest_name, 8)))
    return [Column(c.key, c.label, name_width, 0) if c.key == "name" else c for c in chosen]


def _number(value: float, style: str = "") -> Text:
    text = format_value(value)
    if not math.isfinite(value):
        return Text(text, style="bold red", justify="right")
    return Text(text, style=style, justify="right")


def _spark(m: MetricSummary) -> Text:
    text = Text(m.spark, style="cyan", no_wrap=True)
    for i, ch in enumerate(m.spark):
        if ch in NONFINITE_MARKS:
            text.stylize("bold red", i, i + 1)
    return text


def _trend(m: MetricSummary) -> Text:
    c = m.convergence
    if math.isnan(c.trend):
        return Text("-", style="dim", justify="right")
    pct = c.trend * 100
    body = f"{abs(pct):.1f}%" if abs(pct) < 100 else f"{abs(pct):.0f}%"
    style = "dim" if c.trend_arrow == "→" else ("green" if c.improving else "red")
    return Text(f"{c.trend_arrow}{body}", style=style, justify="right")


def metric_cell(m: MetricSummary | None, field: str) -> Text:
    """One metric cell; ``-`` when the run lacks the metric."""
    if m is None:
        return Text("-", style="dim", justify="right")
    if field == "last":
        return _number(m.last_value)
    if field == "best":
        return _number(m.best_value, "dim")
    if field == "spark":
        return _spark(m)
    return _trend(m)


def badge_cell(run: RunSummary) -> Text:
    """One letter per alert kind (see :data:`ALERT_LETTERS`), severe kinds first."""
    text = Text(no_wrap=True)
    kinds = sorted(run.alerts, key=lambda k: k not in SEVERE_ALERTS)
    for kind in kinds[:BADGE_WIDTH]:
        letter = ALERT_LETTERS.get(kind) or printable(kind[:1]).lower() or "?"
        text.append(letter, style="bold red" if kind in SEVERE_ALERTS else "yellow")
    return text


def forecast_text(value: float, half: float, width: int) -> str:
    """``value±half`` in at most ``width`` characters: shorter numbers first, then the
    value alone; a number is never cut (the narrowest form may exceed a tiny width)."""
    long, short = format_value(value), format_short(value)
    half_long, half_short = format_value(half), format_short(half)
    forms = (f"{long}±{half_long}", f"{long}±{half_short}", f"{short}±{half_short}", long)
    return next((f for f in forms if len(f) <= width), short)


def forecast_cell(run: RunSummary, width: int = 0) -> Text:
    """``0.123±0.004``: the first metric's forecast and its interval, made to fit
    ``width`` (the column's, by default); ``n/a`` when the fit is poor or the metric's last
    value is not finite, ``…`` while it is not computed yet."""
    fc = run.forecast
    if fc is None:
        return Text("…", style="dim", justify="right")
    if not fc.known:
        return Text("n/a", style="dim", justify="right")
    half = max(fc.high - fc.value, fc.value - fc.low)
    return Text(forecast_text(fc.value, half, width or FORECAST_WIDTH), justify="right")


def _target_steps(fc_targets: tuple[TargetSteps, ...], tag: str | None) -> TargetSteps | None:
    return next((t for t in fc_targets if t.tag == tag), None)


def eta_cell(run: RunSummary, tag: str | None) -> Text:
    """Steps until ``tag`` reaches its target: ``done``, ``12.3k``, ``never``, ``n/a``;
    ``-`` for a run that ended short of it (it will take no more steps)."""
    steps = _target_steps(run.forecast.targets, tag) if run.forecast is not None else None
    if run.forecast is None:
        return Text("…", style="dim", justify="right")
    if run.state in ENDED_STATES and not (steps is not None and steps.steps == 0):
        return Text("-", style="dim", justify="right")
    if steps is None or not steps.known:
        return Text("n/a", style="dim", justify="right")
    if steps.steps is None:
        return Text("never", style="red", justify="right")
    if steps.steps == 0:
        return Text("done", style="green", justify="right")
    return Text(format_count(steps.steps), justify="right")


def flags_cell(run: RunSummary, marked: bool) -> Text:
    """Mark, state glyph (``@`` for a run written on another host) and alert mark."""
    text = Text(MARK if marked else " ", style="bold magenta")
    if run.remote:
        text.append(REMOTE_GLYPH, style=REMOTE_STYLE)
    else:
        text.append(STATE_GLYPHS.get(run.state, "?"), style=STATE_STYLES.get(run.state, ""))
    if run.alerts:
        text.append("!", style="bold red")
    elif run.damage:
        text.append("!", style="yellow")
    else:
        text.append(" ")
    return text


class RunNameText(Text):
    """A name cell that knows its run's full name, which the shown text may shorten: the
    runs table orders its rows by it."""

    def __init__(self, text: str, run: str, style: str) -> None:
        super().__init__(text, style=style, no_wrap=True)
        #: The run's name as written (not shortened, not escaped).
        self.run = run


def name_cell(run: RunSummary, marked: bool, width: int) -> RunNameText:
    """The run name, literally, shortened in the middle when wider than ``width``."""
    name = printable(run.name)
    if len(name) > width:
        keep = width - 1
        name = name[: keep // 2] + "…" + name[len(name) - (keep - keep // 2) :]
    return RunNameText(name, run.name, style="bold magenta" if marked else "")


def age_text(run: RunSummary, now: float) -> str:
    """``5s``, ``3m``… since the run last wrote; ``-`` when unknown."""
    return "-" if run.activity <= 0 else format_age(max(0.0, now - run.activity))


def age_cell(run: RunSummary, now: float, width: int = 0) -> Text:
    """Time since the run last wrote (right-aligned in ``width``)."""
    plain = age_text(run, now)
    text = Text(plain, style="dim") if plain == "-" else Text(plain)
    return _pad_left(text, width) if width else text


#: Columns whose cells are left-aligned (everything else holds numbers: right-aligned).
LEFT_ALIGNED = ("flags", "name", "spark", "badge")


def right_aligned(col: Column) -> bool:
    """Whether ``col`` holds numbers (DataTable ignores ``Text.justify``: we pad)."""
    return col.key not in LEFT_ALIGNED and col.field != "spark"


def header_label(col: Column) -> Text:
    """The column header, padded to line up with its cells."""
    return Text(col.label.rjust(col.width) if right_aligned(col) else col.label)


def row_cells(run: RunSummary, columns: list[Column], marked: bool, now: float) -> list[Text]:
    """The cells of ``run`` for ``columns``, in order."""
    out = _raw_cells(run, columns, marked, now)
    for i, col in enumerate(columns):
        if right_aligned(col):
            out[i] = _pad_left(out[i], col.width)
    return out


def _pad_left(cell: Text, width: int) -> Text:
    """``cell`` right-aligned in ``width``; rebuilt rather than ``Text.align``, which
    shifts spans and costs ~20x more (it dominated a 1,000-row tick)."""
    pad = width - cell.cell_len
    if pad <= 0:
        return cell
    if cell.spans:
        cell.pad_left(pad)
        return cell
    return Text(" " * pad + cell.plain, style=cell.style, no_wrap=True)


def _raw_cells(run: RunSummary, columns: list[Column], marked: bool, now: float) -> list[Text]:
    out: list[Text] = []
    for col in columns:
        if col.key == "flags":
            out.append(flags_cell(run, marked))
        elif col.key == "name":
            out.append(name_cell(run, marked, col.width))
        elif col.key == "step":
            out.append(Text(format_count(run.last_step), justify="right"))
        elif col.key == "speed":
            sps = run.steps_per_second
            out.append(
                Text("-" if math.isnan(sps) else format_count(round(sps, 1)), justify="right")
            )
        elif col.key == "age":
            out.append(age_cell(run, now))
        elif col.key == "badge":
            out.append(badge_cell(run))
        elif col.key == "node":
            out.append(Text(printable(run.node or "-")[: col.width], no_wrap=True))
        elif col.key in ("gpu_util", "gpu_memory"):
            value = run.gpu_util if col.key == "gpu_util" else run.gpu_memory
            out.append(Text("-" if value is None else f"{value:.0f}", justify="right"))
        elif col.key == "forecast":
            out.append(forecast_cell(run, col.width))
        elif col.field == "eta":
            out.append(eta_cell(run, col.metric))
        else:
            m = run.metrics.get(col.metric) if col.metric else None
            out.append(metric_cell(m, col.field))
    return out
