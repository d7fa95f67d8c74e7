"""The TOML config: defaults, file locations, overrides and error messages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tfwatch.analysis.config import (
    ConfigError,
    HealthConfig,
    config_from_dict,
    default_config_path,
    load_config,
)

EXAMPLE = """
[analysis]
smoothing = 0.9
maximize = ["*reward*"]
minimize = "custom/*"

[detectors.plateau]
patience = 5
min_delta = 0.001

[[detectors.plateau.tag]]
pattern = "val_acc*"
patience = 20
min_delta = 0

[[detectors.plateau.tag]]
pattern = "val_*"
enabled = false

[detectors.stalled]
min_silence_s = 120

[plugins.loss_spike]
factor = 4

[ui]
theme = "whatever the app reads"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config() == HealthConfig()
    assert HealthConfig().plateau.patience == 10


def test_default_path_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "tfwatch" / "config.toml"
    (tmp_path / "tfwatch").mkdir()
    (tmp_path / "tfwatch" / "config.toml").write_text("[detectors.nan]\nenabled = false\n")
    assert load_config().nan.enabled is False
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_config_path() == tmp_path / "home" / ".config" / "tfwatch" / "config.toml"


def test_a_full_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, EXAMPLE))
    assert cfg.source == str(tmp_path / "config.toml")
    assert cfg.smoothing == 0.9
    assert cfg.maximize == ("*reward*",) and cfg.minimize == ("custom/*",)
    assert cfg.plateau.patience == 5 and cfg.plateau.min_delta == 0.001
    assert cfg.stalled.min_silence_s == 120.0
    assert dict(cfg.plugins["loss_spike"]) == {"factor": 4}


def test_tag_overrides_first_match_wins(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, EXAMPLE)).plateau
    acc = cfg.for_tag("val_accuracy")
    assert (acc.patience, acc.min_delta, acc.enabled) == (20, 0.0, True)
    loss = cfg.for_tag("metrics/val_loss")
    assert loss.enabled is False and not loss.watches("metrics/val_loss", lambda _: True)
    other = cfg.for_tag("train/loss")
    assert (other.patience, other.min_delta) == (5, 0.001)


def test_tags_and_ignore_choose_what_is_watched() -> None:
    cfg = config_from_dict({"detectors": {"nan": {"tags": ["train/*"], "ignore": ["*lr*"]}}})
    assert cfg.nan.watches("train/loss", lambda _: False)
    assert not cfg.nan.watches("train/lr", lambda _: True)
    assert not cfg.nan.watches("val/loss", lambda _: True)


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("[detectors.plateau]\npatiense = 3\n", "detectors.plateau.patiense", "unknown key"),
        ("[detectors.plateau]\npatience = 'ten'\n", "detectors.plateau.patience", "integer ≥ 1"),
        ("[detectors.plateau]\npatience = 0\n", "detectors.plateau.patience", "integer ≥ 1"),
        ("[detectors.plateau]\npatience = true\n", "detectors.plateau.patience", "integer"),
        ("[detectors.plateau]\nmin_delta = -1\n", "detectors.plateau.min_delta", "≥ 0"),
        ("[detectors.plateau]\nsmoothing = 1.5\n", "detectors.plateau.smoothing", "≤ 0.999"),
        ("[detectors.nan]\nenabled = 1\n", "detectors.nan.enabled", "true or false"),
        ("[detectors.nan]\ntags = [1]\n", "detectors.nan.tags", "glob patterns"),
        ("[detectors.platoo]\n", "detectors.platoo", "unknown key"),
        ("[analysis]\nsmoothing = 1\n", "analysis.smoothing", "[0, 1)"),
        ("[analysis]\nsmooth = 0.5\n", "analysis.smooth", "unknown key"),
        ("detectors = 3\n", "detectors", "expected a table"),
        ("[[detectors.stalled.tag]]\npattern = 'x'\n", "detectors.stalled.tag", "whole runs"),
        ("[[detectors.plateau.tag]]\npatience = 3\n", "detectors.plateau.tag[0].pattern", "glob"),
        (
            "[[detectors.plateau.tag]]\npattern = 'v*'\npatiense = 3\n",
            "detectors.plateau.tag[0].patiense",
            "unknown key",
        ),
        ("[plugins]\nmine = 3\n", "plugins.mine", "expected a table"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, key: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert info.value.source == str(path)
    assert says in str(info.value) and str(path) in str(info.value) and key in str(info.value)


def test_missing_explicit_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 1"):
        load_config(write(tmp_path, "[detectors.plateau\n"))


def test_the_documented_example_loads() -> None:
    # docs/health.md shows a full config: it must stay valid.
    docs = Path(__file__).resolve().parents[2] / "docs" / "health.md"
    text = docs.read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    cfg = config_from_dict(tomllib.loads(block), "docs/health.md")
    assert cfg.plateau.overrides
