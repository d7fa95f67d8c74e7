"""Which group a run belongs to: by its hparams except seeds, its directory, a regex, keys.

A sweep runs each configuration over several seeds; the seeds must not split the
configuration into groups of one. Seed-like keys are matched by name, case-insensitively
(``seed``, ``*_seed``, ``rng``, ``trial``, ``run``, ``rep``, ``fold`` by default; the
``[groups] seed_keys`` list of the config file replaces them). The four ways to group:

* ``hparams``: every hparam of the run except the seed-like ones;
* ``dir``: the run's parent directory (``sweep/lr=0.1/seed=1`` → ``sweep/lr=0.1``);
* ``re:REGEX``: the regex's capture groups searched in the run's name (named groups
  keep their names, the others are ``$1``, ``$2``…); a run it does not match is in no
  configuration: it goes to the group whose key is empty;
* ``KEY[,KEY]``: the named hparams (a run lacking one has ``None`` there).

Keys are tuples of ``(name, value)`` pairs, so they hash, compare and print the same
way everywhere (the app, ``ls --group-by``, ``report --group-by``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tfwatch.errors import TfwatchError

HparamValue = str | float | bool
GroupKey = tuple[tuple[str, HparamValue | None], ...]

#: Hparam names that tell seeds (repetitions) of one configuration apart.
SEED_KEYS: tuple[str, ...] = ("seed", "*_seed", "rng", "trial", "run", "rep", "fold")

#: The ways of grouping :class:`GroupBy` knows.
KINDS = ("hparams", "dir", "regex", "keys")


@dataclass(frozen=True)
class GroupBy:
    """How runs are grouped (see the module docstring)."""

    kind: str
    #: The hparams named by ``KEY[,KEY]``.
    keys: tuple[str, ...] = ()
    #: The regex of ``re:REGEX``.
    pattern: str = ""
    #: Glob patterns of seed-like hparam names (``hparams`` grouping leaves them out).
    seed_keys: tuple[str, ...] = SEED_KEYS

    @property
    def label(self) -> str:
        """How the header and the reports name this grouping."""
        if self.kind == "hparams":
            return "hparams except seeds"
        if self.kind == "dir":
            return "parent directory"
        if self.kind == "regex":
            return f"re:{self.pattern}"
        return ",".join(self.keys)


class GroupByError(TfwatchError, ValueError):
    """A ``--group-by`` value that cannot be used (one line, for people)."""


def parse_group_by(text: str, seed_keys: Iterable[str] = SEED_KEYS) -> GroupBy:
    """``hparams``, ``dir``, ``re:REGEX`` or ``KEY[,KEY]`` as a :class:`GroupBy`."""
    seeds = tuple(seed_keys)
    text = text.strip()
    if not text:
        raise GroupByError("--group-by: empty; give hparams, dir, re:REGEX or KEY[,KEY]")
    if text == "hparams":
        return GroupBy("hparams", seed_keys=seeds)
    if text == "dir":
        return GroupBy("dir", seed_keys=seeds)
    if text.startswith("re:"):
        pattern = text[3:]
        try:
            compiled = re.compile(pattern)
        except re.error as e:
            raise GroupByError(f"--group-by: bad regex {pattern!r}: {e}") from None
        if compiled.groups == 0:
            raise GroupByError(f"--group-by: regex {pattern!r} captures nothing: add (…)")
        return GroupBy("regex", pattern=pattern, seed_keys=seeds)
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    if not keys:
        raise GroupByError(f"--group-by: no key in {text!r}")
    return GroupBy("keys", keys=keys, seed_keys=seeds)


def is_seed_key(name: str, patterns: Iterable[str] = SEED_KEYS) -> bool:
    """Whether the hparam ``name`` tells seeds apart (case-insensitive glob match)."""
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def parent_dir(name: str) -> str:
    """The directory a run's name sits in (``.`` for a run at the root)."""
    head, sep, _ = name.rpartition("/")
    return head if sep else "."


def group_key(spec: GroupBy, name: str, hparams: Mapping[str, HparamValue]) -> GroupKey:
    """The key of the group run ``name`` (with ``hparams``) belongs to under ``spec``."""
    if spec.kind == "hparams":
        return tuple((k, hparams[k]) for k in sorted(hparams) if not is_seed_key(k, spec.seed_keys))
    if spec.kind == "dir":
        return (("dir", parent_dir(name)),)
    if spec.kind == "regex":
        return _regex_key(spec.pattern, name)
    return tuple((k, hparams.get(k)) for k in spec.keys)


def _regex_key(pattern: str, name: str) -> GroupKey:
    compiled = _compiled(pattern)
    m = compiled.search(name)
    if m is None:
        return ()
    names = {index: group for group, index in compiled.groupindex.items()}
    return tuple((names.get(i, f"${i}"), m.group(i)) for i in range(1, compiled.groups + 1))


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _COMPILED.get(pattern)
    if found is None:
        found = _COMPILED[pattern] = re.compile(pattern)
    return found


def key_value_text(value: HparamValue | None) -> str:
    """One key value as the labels write it (numbers in at most 6 significant digits, as
    hparams are written: ``0.0003``, ``32``, ``1e-05``)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".6g")
    return value


def key_label(key: GroupKey) -> str:
    """``lr=0.1 wd=0`` (``dir=`` is left out: the directory says itself); ``(other)`` for
    the runs that fit no configuration."""
    if not key:
        return "(other)"
    if len(key) == 1 and key[0][0] == "dir":
        return key_value_text(key[0][1])
    return " ".join(f"{k}={key_value_text(v)}" for k, v in key)


def short_labels(keys: Iterable[GroupKey]) -> dict[GroupKey, str]:
    """Labels without the ``key=value`` pairs every group shares (``batch_size=128`` in
    all of them tells none apart); a group left with nothing keeps its whole label."""
    keys = list(keys)
    if len(keys) < 2:
        return {k: key_label(k) for k in keys}
    shared = set.intersection(*(set(map(_pair_text, k)) for k in keys))
    out = {}
    for key in keys:
        kept = tuple(p for p in key if _pair_text(p) not in shared)
        out[key] = key_label(kept) if kept else key_label(key)
    return out


def _pair_text(pair: tuple[str, HparamValue | None]) -> str:
    return f"{pair[0]}={key_value_text(pair[1])}"


def group_runs(
    spec: GroupBy, runs: Iterable[tuple[str, Mapping[str, HparamValue]]]
) -> dict[GroupKey, list[str]]:
    """Run names by group key, in the order the runs come (groups in first-seen order)."""
    out: dict[GroupKey, list[str]] = {}
    for name, hparams in runs:
        out.setdefault(group_key(spec, name, hparams), []).append(name)
    return out
