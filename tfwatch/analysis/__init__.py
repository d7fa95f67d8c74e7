"""Analysis: convergence maths, forecasts and health detectors over the store's series.

Pure functions of their inputs (plus an explicit ``now`` where time matters); nothing
here reads files or imports Textual.
"""

from tfwatch.analysis.alerts import Alert, AlertTracker, format_alert
from tfwatch.analysis.config import (
    ConfigError,
    HealthConfig,
    config_from_dict,
    default_config_path,
    load_config,
    read_config_file,
)
from tfwatch.analysis.convergence import Convergence, convergence
from tfwatch.analysis.direction import higher_is_better, infer_direction, is_quality_metric
from tfwatch.analysis.forecast import Forecast, TargetEta, forecast, parse_target, steps_to_target
from tfwatch.analysis.health import run_health
from tfwatch.analysis.protocols import PointArrays, RunLike, SeriesPoints
from tfwatch.analysis.smoothing import smooth

__all__ = [
    "Alert",
    "AlertTracker",
    "ConfigError",
    "Convergence",
    "Forecast",
    "HealthConfig",
    "PointArrays",
    "RunLike",
    "SeriesPoints",
    "TargetEta",
    "config_from_dict",
    "convergence",
    "default_config_path",
    "forecast",
    "format_alert",
    "higher_is_better",
    "infer_direction",
    "is_quality_metric",
    "load_config",
    "parse_target",
    "read_config_file",
    "run_health",
    "smooth",
    "steps_to_target",
]
