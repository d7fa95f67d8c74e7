"""Columns of the runs table and how a run becomes a row of cells.

Cells are ``rich.text.Text`` built here, never markup strings: run names, tags and
hparams come from files anyone can write (``sweep[lr=0.1]`` must keep its brackets) and
go through :func:`printable` so no control character reaches the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from tfwatch.live.view_models import SPARK_WIDTH, MetricSummary, RunSummary, TargetSteps
from tfwatch.model.alert_kinds import alert_severity
from tfwatch.model.run_states import ENDED_STATES
from tfwatch.text.cell_cuts import ELLIPSIS, cut_middle, tail
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
    "converged": "✓",
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
#: Kinds that need a person now (red); information (green, see ``INFO_KINDS``) is good
#: news or advice; the others are hints (yellow).
SEVERE_ALERTS = frozenset({"nan", "diverging", "exploding_grad", "crashed", "node_down"})


def alert_style(kind: str) -> str:
    """The style an alert kind is written in."""
    if kind in SEVERE_ALERTS:
        return "bold red"
    return "green" if alert_severity(kind) == "info" else "yellow"


BADGE_WIDTH = 4
MARK = "▌"
#: Padding DataTable adds around every cell (cell_padding=1 on each side).
CELL_PADDING = 2
#: The name column keeps this much for its names (when they need it) at any width.
NAME_MIN = 14


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
    label = cut_middle(label, LABEL_MAX)
    return label, max(least, cell_len(label))


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


#: The name column's share of the width it keeps before optional columns are placed
#: (when its names need that much), and the least it ever gets.
NAME_SHARE, NAME_FLOOR = 3, 8


def fit_columns(
    metrics: tuple[str, ...],
    width: int,
    longest_name: int,
    targets: tuple[str, ...] = (),
    known_tags: Iterable[str] = (),
    runs: Sequence[RunSummary] = (),
    name_label: str = "",
    says_nothing: Callable[[Column, Sequence[RunSummary]], bool] | None = None,
    nodes: bool = False,
) -> list[Column]:
    """The columns that fit in ``width`` cells. ``longest_name``: the cells the visible
    names need. The name column keeps up to a third of the width for them (NAME_MIN at
    least) while the other columns are placed by priority in the rest; if its names need
    more, the forecast and then the sparklines give way to it; it takes what is left, up
    to its need. Columns with nothing to say for any of ``runs`` (every cell ``n/a`` or
    ``-``) are left out. ``name_label``: the name column's header (the prefix all
    visible names share; "run" when empty), cut from the left to fit.
    ``known_tags``: every tag seen, so that headers tell apart tags ending alike.
    ``says_nothing``: how a column's silence is found (a remembering one: see
    :mod:`tfwatch.ui.column_voices`)."""
    silent = says_nothing or _says_nothing
    cols = [c for c in all_columns(metrics, targets, known_tags, nodes) if not silent(c, runs)]
    budget = width - 2 - CELL_PADDING  # the vertical scrollbar, the name column's padding
    need = max(longest_name, len("run"))
    reserve = min(need, max(NAME_MIN, budget // NAME_SHARE))
    keep: dict[str, Column] = {}
    used = 0
    for col in sorted(cols, key=lambda c: c.priority):
        room = col.width + CELL_PADDING
        if col.key != "name" and (col.priority == 0 or used + room <= budget - reserve):
            keep[col.key] = col
            used += room
    givers = [c for c in keep.values() if c.field in ("forecast", "spark")]
    # The forecast first, then the sparklines from the last metric's to the first's.
    for col in sorted(givers, key=lambda c: (c.field != "forecast", -c.priority)):
        if budget - used >= need:
            break
        del keep[col.key]
        used -= col.width + CELL_PADDING
    name_width = max(NAME_FLOOR, min(need, budget - used))
    label = name_label or "run"
    if cell_len(label) > name_width:
        label = ELLIPSIS + tail(label, name_width - 1)
    return [
        Column(c.key, label, name_width, 0) if c.key == "name" else c
        for c in cols
        if c.key in keep or c.key == "name"
    ]


def _says_nothing(col: Column, runs: Sequence[RunSummary]) -> bool:
    """Whether every one of ``runs`` (at least one) shows ``n/a`` or nothing in ``col``."""
    if not runs or column_never_silent(col):
        return False
    return all(cell_says_nothing(col, run) for run in runs)


def column_never_silent(col: Column) -> bool:
    """The columns always shown, whatever the runs hold."""
    return col.key in ("flags", "name", "step")


def cell_says_nothing(col: Column, run: RunSummary) -> bool:
    """Whether ``run``'s cell in ``col`` shows ``n/a``, ``-`` or nothing."""
    if col.key == "speed":
        return math.isnan(run.steps_per_second)
    if col.key == "age":
        return run.activity <= 0
    if col.key == "badge":
        return not run.alerts
    if col.key in ("node", "gpu_util", "gpu_memory"):
        return getattr(run, col.key) is None
    if col.key == "forecast":
        return run.forecast is not None and not run.forecast.known
    if col.field == "eta":
        return eta_cell(run, col.metric).plain in ("n/a", "-")
    m = run.metrics.get(col.metric) if col.metric else None
    if m is None:
        return True
    if col.field == "spark":
        return not m.spark.strip()
    if col.field == "trend":
        return math.isnan(m.convergence.trend)
    return False


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
    """One letter per alert kind (see :data:`ALERT_LETTERS`), severe kinds first,
    information last."""
    text = Text(no_wrap=True)
    kinds = sorted(run.alerts, key=lambda k: (k not in SEVERE_ALERTS, alert_severity(k)))
    for kind in kinds[:BADGE_WIDTH]:
        letter = ALERT_LETTERS.get(kind) or printable(kind[:1]).lower() or "?"
        text.append(letter, style=alert_style(kind))
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
    if run.warned:
        text.append("!", style="bold red")
    elif run.damage:
        text.append("!", style="yellow")
    else:
        text.append(" ")
    return text


class RunNameText(Text):
    """A name cell that knows its row's key, the run's full name, which the shown text
    may shorten (or a directory's key in the tree): the runs table orders rows by it."""

    def __init__(self, text: str, run: str, style: str) -> None:
        super().__init__(text, style=style, no_wrap=True)
        #: The run's name as written (not shortened, not escaped), or a directory's key.
        self.run = run


def name_cell(run: RunSummary, marked: bool, width: int, shown: str | None = None) -> RunNameText:
    """The run's name as the column shows it: ``shown`` (see :mod:`run_names`), else the
    whole name escaped, its middle cut when wider than ``width``."""
    text = shown if shown is not None else cut_middle(printable(run.name), width)
    return RunNameText(text, run.name, style="bold magenta" if marked else "")


def directory_cells(columns: list[Column], key: str, shown: str) -> list[Text]:
    """A directory's row in the tree: its name, every other cell blank."""
    return [
        RunNameText(shown, key, style="bold") if col.key == "name" else Text("") for col in columns
    ]


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


def row_cells(
    run: RunSummary, columns: list[Column], marked: bool, now: float, shown: str | None = None
) -> list[Text]:
    """The cells of ``run`` for ``columns``, in order; ``shown``: its name's form."""
    out = _raw_cells(run, columns, marked, now, shown)
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


def _raw_cells(
    run: RunSummary, columns: list[Column], marked: bool, now: float, shown: str | None
) -> list[Text]:
    out: list[Text] = []
    for col in columns:
        if col.key == "flags":
            out.append(flags_cell(run, marked))
        elif col.key == "name":
            out.append(name_cell(run, marked, col.width, shown))
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
