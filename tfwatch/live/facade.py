"""What the views use from the layers under live, in one place.

The UI imports only live, model and text (an import-linter contract holds it): live is
its door to the rest. Most of what it shows comes in the session's snapshots
(:mod:`tfwatch.live.view_models`); what it uses directly besides is here: the system
monitor it draws and acts through, chart smoothing, the settings a session is opened
with, and the grouping, bands and hparam importance of the sweep views.
"""

from __future__ import annotations

from tfwatch.analysis.config import load_config
from tfwatch.analysis.group_stats import Band, aligned_band
from tfwatch.analysis.grouping import SEED_KEYS, GroupBy, group_runs, parse_group_by, short_labels
from tfwatch.analysis.smoothing import smooth
from tfwatch.ingest.sources.options import parse_storage_options
from tfwatch.report.hparam_importance import HparamValue, Importance
from tfwatch.report.wording import hparam_value
from tfwatch.system.nodes.ssh_poller import SshNodePoller
from tfwatch.system.nodes.ssh_signal import signal_node_process
from tfwatch.system.processes import describe_process
from tfwatch.system.sampler import SystemSampler
from tfwatch.system.signals import ProcessRef, SignalOutcome, send_signal
from tfwatch.system.snapshot import GpuRow, SystemSnapshot

__all__ = [
    "SEED_KEYS",
    "Band",
    "GpuRow",
    "GroupBy",
    "HparamValue",
    "Importance",
    "ProcessRef",
    "SignalOutcome",
    "SshNodePoller",
    "SystemSampler",
    "SystemSnapshot",
    "aligned_band",
    "describe_process",
    "group_runs",
    "hparam_value",
    "load_config",
    "parse_group_by",
    "parse_storage_options",
    "send_signal",
    "short_labels",
    "signal_node_process",
    "smooth",
]
