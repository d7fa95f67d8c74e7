"""The made-up GPU cluster the ``cluster`` fixture (``conftest.py``) starts, as the tests
of this folder get it."""

from __future__ import annotations

from dataclasses import dataclass

from tests.services.cluster_exporters import DcgmExporter, NodeFacts, PodPhases
from tests.services.prometheus import MetricsServer, NodeExporter, PrometheusServer


@dataclass
class Cluster:
    """The running parts and the values they serve."""

    prometheus: PrometheusServer
    exporters: MetricsServer
    lone_exporter: MetricsServer
    node_exporter: NodeExporter
    dcgm: dict[str, DcgmExporter]
    facts: dict[str, NodeFacts]
    pods: PodPhases
