"""The runs filter: a small query language typed after ``/``.

Terms are separated by spaces and must all hold (AND); ``!`` before a term negates it.

=====================  ====================================================
``resnet``             fuzzy: the letters appear in the run name in order
``re:lr=0\\.1$``       regular expression searched in the run name
``/lr=0\\.1$/``        the same, between slashes
``lr=0.1``             hparam equals (numbers compare as numbers); a run without
                       that hparam matches when the term is part of its name
``lr<1e-3``            hparam compares: ``<``, ``>``, ``<=``, ``>=``, ``!=``
``state:running``      run state: running, stalled, finished, crashed, unknown
                       (and idle, gone before the first process scan);
                       prefixes work; ``state:remote``: written on another host
``alert:nan``          has an alert of that kind (``alert:any`` for any alert)
``tag:acc``            has a scalar tag containing the text
``node:gpu-a``         runs on that node (its name or the host its event files
                       name; a short name matches its FQDN; prefixes work)
=====================  ====================================================

Double quotes keep spaces inside one term (``"my run"``). A term that cannot be
understood (a bad regex) is reported in :attr:`RunFilter.errors` and matches nothing, so
a typo never silently shows every run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from tfwatch.model.event_file_names import same_host

_COMPARISON = re.compile(r"^([A-Za-z_][\w.\-/]*?)(<=|>=|!=|==|=|<|>)(.*)$")


class Filterable(Protocol):
    """What a filter looks at in a run."""

    @property
    def name(self) -> str: ...
    @property
    def hparams(self) -> Mapping[str, str | float | bool]: ...
    @property
    def state(self) -> str: ...
    @property
    def alerts(self) -> Iterable[str]: ...
    @property
    def tags(self) -> Iterable[str]: ...


Predicate = Callable[[Filterable], bool]


@dataclass(frozen=True)
class RunFilter:
    """A parsed query: call :meth:`matches` on each run."""

    text: str
    predicates: tuple[Predicate, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """True when the query holds no term (every run matches)."""
        return not self.predicates and not self.errors

    def matches(self, run: Filterable) -> bool:
        """Whether ``run`` satisfies every term."""
        if self.errors:
            return False
        if len(self.predicates) == 1:  # (the usual query: one call, no generator)
            return self.predicates[0](run)
        return all(p(run) for p in self.predicates)


def fuzzy_match(needle: str, haystack: str) -> bool:
    """Whether the characters of ``needle`` appear in ``haystack`` in order (any case)."""
    return fuzzy_pattern(needle).search(haystack.lower()) is not None


@lru_cache(maxsize=64)
def fuzzy_pattern(needle: str) -> re.Pattern[str]:
    """A pattern found in a lowered text where :func:`fuzzy_match` holds: each character
    of ``needle`` after the run of others before it, taken possessively (no
    backtracking: one pass over the text, whatever the text)."""
    chars = needle.lower()
    return re.compile("".join(f"[^{re.escape(c)}]*+{re.escape(c)}" for c in chars), re.DOTALL)


def parse_filter(text: str) -> RunFilter:
    """Parse a query; never raises."""
    predicates: list[Predicate] = []
    errors: list[str] = []
    for term in _split_terms(text):
        negate = term.startswith("!") and len(term) > 1
        body = term[1:] if negate else term
        try:
            pred = _term(body)
        except ValueError as e:
            errors.append(f"{term}: {e}")
            continue
        predicates.append(_negated(pred) if negate else pred)
    return RunFilter(text, tuple(predicates), tuple(errors))


def _negated(pred: Predicate) -> Predicate:
    return lambda run: not pred(run)


_TERM = re.compile(r'"([^"]*)"?|(\S+)')


def _split_terms(text: str) -> list[str]:
    """Space-separated terms; double quotes keep spaces (backslashes stay, for regexes)."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _TERM.finditer(text)]


def _term(term: str) -> Predicate:
    lowered = term.lower()
    if lowered.startswith("re:"):
        return _regex(term[3:])
    if len(term) >= 2 and term.startswith("/") and term.endswith("/"):
        return _regex(term[1:-1])
    if lowered.startswith("state:"):
        want = lowered[6:]
        if want == "remote":
            return lambda run: bool(getattr(run, "remote", False))
        return lambda run: run.state.lower().startswith(want)
    if lowered.startswith("alert:"):
        kind = lowered[6:]
        if kind in ("", "any", "*"):
            return lambda run: any(True for _ in run.alerts)
        return lambda run: any(a.lower().startswith(kind) for a in run.alerts)
    if lowered.startswith("node:"):
        return _on_node(lowered[5:])
    if lowered.startswith("tag:"):
        part = lowered[4:]
        return lambda run: any(part in t.lower() for t in run.tags)
    m = _COMPARISON.match(term)
    if m:
        return _comparison(m.group(1), m.group(2), m.group(3), term.lower())
    pattern = fuzzy_pattern(term)
    return lambda run: pattern.search(run.name.lower()) is not None


def _on_node(want: str) -> Predicate:
    if not want:
        raise ValueError("node: needs a name")

    def check(run: Filterable) -> bool:
        names = (getattr(run, "node", None), getattr(run, "host", None))
        return any(
            n is not None and (same_host(want, n) or n.lower().startswith(want)) for n in names
        )

    return check


def _regex(pattern: str) -> Predicate:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise ValueError(f"bad regex ({e})") from e
    return lambda run: compiled.search(run.name) is not None


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return 1.0 if text == "true" else 0.0
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _comparison(key: str, op: str, raw: str, text: str) -> Predicate:
    want_num = _as_number(raw)
    if op in ("<", ">", "<=", ">=") and want_num is None:
        raise ValueError(f"{op} needs a number")

    def check(run: Filterable) -> bool:
        if key not in run.hparams:
            # No such hparam: the term may be part of the name (``/lr=1e-4`` for a
            # directory named ``bert_lr=1e-4_bs=32`` whose hparams were not parsed).
            return op == "!=" or text in run.name.lower()
        have = run.hparams[key]
        have_num = _as_number(have)
        if want_num is not None and have_num is not None:
            if math.isnan(have_num):
                return op == "!="
            return _compare(have_num, op, want_num)
        if op in ("=", "=="):
            return str(have).lower() == raw.lower()
        if op == "!=":
            return str(have).lower() != raw.lower()
        return False

    return check


def _compare(a: float, op: str, b: float) -> bool:
    if op in ("=", "=="):
        return a == b or math.isclose(a, b, rel_tol=1e-9)
    if op == "!=":
        return not (a == b or math.isclose(a, b, rel_tol=1e-9))
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b
