"""What the views use from the layers under live, in one place.

The UI imports only live, model and text (an import-linter contract holds it): live is
its door to the rest. Most of what it shows comes in the session's snapshots
(:mod:`tfwatch.live.view_models`); what it uses directly besides is here: the system
monitor it draws and acts through, chart smoothing, and the settings a session is opened
with.
"""

from __future__ import annotations

from tfwatch.analysis.config import load_config
from tfwatch.analysis.smoothing import smooth
from tfwatch.ingest.sources.options import parse_storage_options
from tfwatch.system.processes import describe_process
from tfwatch.system.sampler import SystemSampler
from tfwatch.system.signals import ProcessRef, send_signal
from tfwatch.system.snapshot import GpuRow, SystemSnapshot

__all__ = [
    "GpuRow",
    "ProcessRef",
    "SystemSampler",
    "SystemSnapshot",
    "describe_process",
    "load_config",
    "parse_storage_options",
    "send_signal",
    "smooth",
]
