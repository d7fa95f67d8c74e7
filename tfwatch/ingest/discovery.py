"""Roots and run names: ``name=path`` root specs and the names runs are shown under.

A run is a directory holding at least one file whose name contains ``tfevents``
(TensorBoard's rule); runs nest. Its name is its path relative to the root (``.`` for
the root itself), prefixed by the root's label when several roots are watched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tfwatch.text.safe_text import unicode_text

_LABEL = re.compile(r"^([A-Za-z0-9_.\-]+)=(.+)$")


@dataclass(frozen=True)
class RootSpec:
    """One root given on the command line."""

    label: str
    path: str


def parse_roots(args: Sequence[str]) -> list[RootSpec]:
    """Turn ``[name=]path`` arguments into labelled roots with unique labels."""
    specs: list[RootSpec] = []
    used: set[str] = set()
    for arg in args:
        m = _LABEL.match(arg)
        # ``s3://`` and Windows drives contain ``:``, never ``=`` before the scheme.
        if m and "://" not in m.group(1):
            label, path = m.group(1), m.group(2)
        else:
            path = arg
            label = _default_label(path)
        base, n = label, 2
        while label in used:
            label, n = f"{base}-{n}", n + 1
        used.add(label)
        specs.append(RootSpec(label, path))
    return specs


def _default_label(path: str) -> str:
    stripped = path.rstrip("/").rstrip(os.sep)
    name = stripped.rsplit("/", 1)[-1] if "/" in stripped else os.path.basename(stripped)
    return name or stripped or "root"


def run_name_for(label: str, relative: str, prefixed: bool) -> str:
    """The name a run directory is shown under (undecodable bytes of the directory's
    name escaped, so the name can be written anywhere)."""
    relative = unicode_text(relative)
    if not prefixed:
        return relative
    return label if relative == "." else f"{label}/{relative}"
