"""Hparams written into run directories' names: ``lr=1e-4_bs=32``, ``lr=0.1,opt=adam``.

Each ``/``-separated part of a run's path is read on its own; later parts win. Rules, in
the order they apply (and why):

* ``key=value`` pairs, separated by ``_ , ; + -`` or spaces. A number value ends at the
  first separator after it (``1e-4_bs`` is ``1e-4`` then ``bs``), a text value at the
  first separator; the next key is all of the text up to its ``=`` (``lr=0.1_batch_size=32``
  gives ``batch_size``). Hydra's ``override_dirname`` (``a=1,b=2``) parses the same way.
* The first key of a part may follow the run's own name: ``bert_lr=1e-4`` is ``lr``, not
  ``bert_lr``. It keeps the words before it only where they are plainly one name: a last
  word such as ``size``/``rate``/``steps`` (``batch_size``, ``learning_rate``) or a first
  word such as ``max``/``num``/``base`` (``max_lr``, ``max_seq_len``).
* ``name_number`` (``lr_0.01``) is ambiguous (``run_1``, ``resnet_50``): only well-known
  hparam names followed by a number with a point or an exponent count.
* Values are numbers when they read as one (``1e-4`` → 0.0001), ``true``/``false`` are
  booleans, anything else stays text.

Hparams a writer records (``add_hparams``, the hparams plugin) win over these.
"""

from __future__ import annotations

import re

HparamValue = str | float | bool

_SEPARATOR = "_,;+ -\t"
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_KEY = re.compile(r"^[A-Za-z][\w.\-]*$")
_WORD = re.compile(r"[^_,;+\s-]+")

#: Last words that make a name of the word before them (``batch_size``).
_TAIL_WORDS = frozenset(
    {
        "size",
        "rate",
        "decay",
        "steps",
        "step",
        "epochs",
        "epoch",
        "layers",
        "layer",
        "heads",
        "dim",
        "dims",
        "len",
        "length",
        "ratio",
        "prob",
        "coef",
        "norm",
        "clip",
        "type",
        "fn",
        "scale",
        "weight",
        "factor",
        "iters",
        "iter",
        "updates",
        "depth",
        "width",
        "units",
        "samples",
    }
)
#: First words that make a name of the word after them (``max_lr``, ``num_layers``).
_LEAD_WORDS = frozenset(
    {
        "max",
        "min",
        "num",
        "n",
        "init",
        "base",
        "final",
        "peak",
        "total",
        "warmup",
        "target",
    }
)

#: Names safe to read from ``name_number`` (a float or exponent number only).
_NAME_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(lr|learning_rate|wd|weight_decay|dropout|drop|momentum|eps|alpha|beta|"
    r"gamma|temperature|temp|tau|lambda|lam|decay|clip|smoothing)_"
    r"([-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+)(?![A-Za-z0-9.])"
)


def hparams_from_path(relative: str) -> dict[str, HparamValue]:
    """The hparams a run's path (relative to its root, ``/``-separated) spells out."""
    out: dict[str, HparamValue] = {}
    for part in relative.split("/"):
        if "=" in part:
            out.update(_pairs(part))
        else:
            for m in _NAME_NUMBER.finditer(part):
                out[m.group(1)] = float(m.group(2))
    return out


def parse_value(text: str) -> HparamValue:
    """A value as written in a path: a number, a boolean, or the text itself."""
    if _NUMBER.fullmatch(text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _pairs(part: str) -> dict[str, HparamValue]:
    out: dict[str, HparamValue] = {}
    pieces = part.split("=")
    key: str | None = _first_key(pieces[0])
    for i, piece in enumerate(pieces[1:], start=1):
        last = i == len(pieces) - 1
        value, next_key = _last_value(piece) if last else _value_then_key(piece)
        if key is not None and value and _KEY.match(key):
            out[key] = parse_value(value)
        key = next_key
    return out


def _last_value(text: str) -> tuple[str, None]:
    """A part's last value: a number up to a separator (``0.1_final`` is 0.1), else all
    the text (``adam_w``)."""
    number = _NUMBER.match(text)
    if number and (number.end() == len(text) or text[number.end()] in _SEPARATOR):
        return number.group(), None
    return text, None


def _value_then_key(text: str) -> tuple[str, str | None]:
    """Split ``<value><separator><next key>``; no separator: no usable pair follows."""
    number = _NUMBER.match(text)
    if number and number.end() < len(text) and text[number.end()] in _SEPARATOR:
        return number.group(), text[number.end() + 1 :]
    for i, ch in enumerate(text):
        if ch in _SEPARATOR:
            return text[:i], text[i + 1 :]
    return text, None


def _first_key(text: str) -> str | None:
    """The key at the end of the text before a part's first ``=`` (see the module doc)."""
    words = list(_WORD.finditer(text))
    if not words or words[-1].end() != len(text):
        return None
    first = len(words) - 1
    while first > 0 and (
        words[first].group().lower() in _TAIL_WORDS
        or words[first - 1].group().lower() in _LEAD_WORDS
    ):
        first -= 1
    return text[words[first].start() :]
