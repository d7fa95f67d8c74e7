"""tfwatch.text is the bottom layer: it imports nothing else of tfwatch, nor Textual."""

from __future__ import annotations

from tests.fresh_imports import modules_loaded_by, textual_modules

MODULES = ["durations", "numbers", "safe_text", "sparkline", "json_numbers"]


def test_text_imports_no_other_tfwatch_package_nor_textual() -> None:
    loaded = modules_loaded_by(["tfwatch.text." + m for m in MODULES])
    others = [m for m in loaded if m.startswith("tfwatch.") and not m.startswith("tfwatch.text")]
    assert textual_modules(loaded) == [] and others == []
