"""Health configuration: defaults, the TOML file, and its validation.

The file is ``$XDG_CONFIG_HOME/tfwatch/config.toml`` (``~/.config/tfwatch/config.toml``)
or the one given with ``--config``. This module reads the ``[analysis]``, ``[groups]``,
``[detectors.*]`` and ``[plugins.*]`` tables and leaves the others to the app. Any unknown
key or wrong type in those tables is a :class:`ConfigError` naming the file and the key,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tfwatch.analysis.grouping import SEED_KEYS
from tfwatch.analysis.settings import (
    TAG_DETECTORS,
    DetectorSettings,
    DivergingSettings,
    ExplodingGradSettings,
    FrozenSettings,
    NanSettings,
    OscillatingSettings,
    PlateauSettings,
    StalledSettings,
    TagOverride,
    TooFrequentSettings,
    TwoWritersSettings,
)
from tfwatch.errors import TfwatchError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigError(TfwatchError, ValueError):
    """A config file that cannot be used: says which file and which key."""

    def __init__(self, source: str | None, key: str, message: str) -> None:
        self.source = source
        self.key = key
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {message}" if key else f"{where}{message}")


@dataclass(frozen=True)
class HealthConfig:
    """Everything the analysis can be told: smoothing, directions, detector thresholds."""

    #: TensorBoard smoothing weight used by the trend detectors and the convergence columns.
    smoothing: float = 0.6
    #: Glob patterns of tags where higher is better / lower is better (override the name).
    maximize: tuple[str, ...] = ()
    minimize: tuple[str, ...] = ()
    nan: NanSettings = field(default_factory=NanSettings)
    diverging: DivergingSettings = field(default_factory=DivergingSettings)
    plateau: PlateauSettings = field(default_factory=PlateauSettings)
    oscillating: OscillatingSettings = field(default_factory=OscillatingSettings)
    frozen: FrozenSettings = field(default_factory=FrozenSettings)
    exploding_grad: ExplodingGradSettings = field(default_factory=ExplodingGradSettings)
    stalled: StalledSettings = field(default_factory=StalledSettings)
    two_writers: TwoWritersSettings = field(default_factory=TwoWritersSettings)
    too_frequent: TooFrequentSettings = field(default_factory=TooFrequentSettings)
    #: ``[plugins.NAME]`` tables, passed through to third-party detectors untouched.
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    #: ``[groups] seed_keys``: glob patterns of the hparams that tell seeds apart (grouping
    #: by hparams leaves them out).
    seed_keys: tuple[str, ...] = SEED_KEYS
    #: File the config came from (None: built-in defaults).
    source: str | None = None


_NOT_DETECTORS = ("smoothing", "maximize", "minimize", "plugins", "seed_keys", "source")
#: Names of the built-in detectors' tables (``[detectors.NAME]``).
DETECTOR_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(HealthConfig) if f.name not in _NOT_DETECTORS
)


_DEFAULTS = HealthConfig()


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/tfwatch/config.toml``, else ``~/.config/tfwatch/config.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "tfwatch" / "config.toml"


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML file; ConfigError on a missing file or a syntax error."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            doc: dict[str, Any] = tomllib.load(fh)
            return doc
    except FileNotFoundError:
        raise ConfigError(source, "", "no such file") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None


def load_config(path: str | os.PathLike[str] | None = None) -> HealthConfig:
    """The config from ``path`` (must exist), or from the default file if there is one."""
    if path is None:
        default = default_config_path()
        try:
            present = default.is_file()
        except OSError:  # an unreadable home directory: no user config, not an error
            present = False
        if not present:
            return HealthConfig()
        path = default
    return config_from_dict(read_config_file(path), source=str(path))


def config_from_dict(doc: Mapping[str, Any], source: str | None = None) -> HealthConfig:
    """Validate a parsed TOML document into a :class:`HealthConfig`."""
    values: dict[str, Any] = {"source": source}
    analysis = _table(doc, "analysis", source)
    for key, raw in analysis.items():
        name = f"analysis.{key}"
        if key == "smoothing":
            number = _number(raw, name, source)
            if not 0.0 <= number < 1.0:
                raise ConfigError(source, name, f"expected a number in [0, 1), got {raw!r}")
            values["smoothing"] = number
        elif key in ("maximize", "minimize"):
            values[key] = _patterns(raw, name, source)
        else:
            raise _unknown(source, name, ("smoothing", "maximize", "minimize"))
    detectors = _table(doc, "detectors", source)
    for key, raw in detectors.items():
        if key not in DETECTOR_NAMES:
            raise _unknown(source, f"detectors.{key}", DETECTOR_NAMES)
        if not isinstance(raw, Mapping):
            raise ConfigError(source, f"detectors.{key}", "expected a table")
        default: DetectorSettings = getattr(_DEFAULTS, key)
        values[key] = _detector(default, raw, f"detectors.{key}", source)
    plugins = _table(doc, "plugins", source)
    for key, raw in plugins.items():
        if not isinstance(raw, Mapping):
            raise ConfigError(source, f"plugins.{key}", "expected a table")
    groups = _table(doc, "groups", source)
    for key, raw in groups.items():
        if key != "seed_keys":
            raise _unknown(source, f"groups.{key}", ("seed_keys",))
        values["seed_keys"] = _patterns(raw, "groups.seed_keys", source)
    values["plugins"] = MappingProxyType({k: MappingProxyType(dict(v)) for k, v in plugins.items()})
    return HealthConfig(**values)


def _table(doc: Mapping[str, Any], key: str, source: str | None) -> Mapping[str, Any]:
    raw = doc.get(key, {})
    if not isinstance(raw, Mapping):
        raise ConfigError(source, key, "expected a table")
    return raw


def _unknown(source: str | None, key: str, known: tuple[str, ...]) -> ConfigError:
    return ConfigError(source, key, f"unknown key (known: {', '.join(known)})")


def _detector(
    default: DetectorSettings, raw: Mapping[str, Any], prefix: str, source: str | None
) -> DetectorSettings:
    """Validated settings of one detector, overrides included."""
    name = prefix.split(".", 1)[1]
    changes = _fields(default, {k: v for k, v in raw.items() if k != "tag"}, prefix, source)
    overrides: list[TagOverride] = []
    tag_tables = raw.get("tag", [])
    if tag_tables and name not in TAG_DETECTORS:
        raise ConfigError(source, f"{prefix}.tag", "this detector judges whole runs, not tags")
    if not isinstance(tag_tables, list):
        raise ConfigError(source, f"{prefix}.tag", "expected [[...tag]] tables")
    for i, table in enumerate(tag_tables):
        where = f"{prefix}.tag[{i}]"
        if not isinstance(table, Mapping):
            raise ConfigError(source, where, "expected a table")
        pattern = table.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(source, f"{where}.pattern", "expected a glob pattern string")
        rest = {k: v for k, v in table.items() if k != "pattern"}
        if "tags" in rest or "ignore" in rest:
            raise ConfigError(source, where, "'tags'/'ignore' belong to the detector, not a tag")
        checked = _fields(default, rest, where, source)
        overrides.append(TagOverride(pattern, tuple(sorted(checked.items()))))
    return type(default)(**{**_as_kwargs(default), **changes, "overrides": tuple(overrides)})


def _as_kwargs(settings: DetectorSettings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def _fields(
    default: DetectorSettings, raw: Mapping[str, Any], prefix: str, source: str | None
) -> dict[str, Any]:
    """Check each key of ``raw`` against the type and bounds of ``default``'s field."""
    known = {f.name: f for f in fields(default) if f.name != "overrides"}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}.{key}"
        spec = known.get(key)
        if spec is None:
            raise _unknown(source, name, (*known, "tag"))
        current = getattr(default, key)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ConfigError(source, name, f"expected true or false, got {value!r}")
            out[key] = value
        elif isinstance(current, tuple):
            out[key] = _patterns(value, name, source)
        else:
            minimum = spec.metadata.get("min", -math.inf)
            if isinstance(current, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                    raise ConfigError(
                        source, name, f"expected an integer ≥ {minimum:g}, got {value!r}"
                    )
                out[key] = value
            else:
                number = _number(value, name, source)
                maximum = spec.metadata.get("max", math.inf)
                if number > maximum:
                    raise ConfigError(
                        source, name, f"expected a number ≤ {maximum:g}, got {value!r}"
                    )
                if number < minimum:
                    raise ConfigError(
                        source, name, f"expected a number ≥ {minimum:g}, got {value!r}"
                    )
                out[key] = number
    return out


def _number(value: object, name: str, source: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(source, name, f"expected a number, got {value!r}")
    return float(value)


def _patterns(value: object, name: str, source: str | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(source, name, f"expected a list of glob patterns, got {value!r}")
    return tuple(value)
