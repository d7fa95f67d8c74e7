"""The live session is domain code: importing every module of it loads no Textual."""

from __future__ import annotations

import pkgutil

import tfwatch.live
from tests.fresh_imports import modules_loaded_by, textual_modules


def test_live_modules_do_not_import_textual() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(tfwatch.live.__path__, "tfwatch.live."))
    assert "tfwatch.live.session" in names and "tfwatch.live.factory" in names
    assert textual_modules(modules_loaded_by(names)) == []
