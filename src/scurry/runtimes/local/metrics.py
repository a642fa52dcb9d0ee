"""`scurry_cluster_processes`: the Flink JVMs of the local clusters, alive or dead.

Read at scrape time from the runtime's clusters (their recorded processes and
whether each still runs), so the Runtime port needs nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scurry.runtimes.local import launcher
from scurry.runtimes.local.runtime import LocalRuntime
from scurry.telemetry import CLUSTER_PROCESSES

ROLES = ("jobmanager", "taskmanager")
STATES = ("alive", "dead")
_HELP = "Flink processes of the local clusters, by role and whether they still run."


class ClusterProcessCollector(Collector):
    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(CLUSTER_PROCESSES, _HELP, labels=["role", "state"])]

    def collect(self) -> Iterable[Metric]:
        counts = {(role, state): 0 for role in ROLES for state in STATES}
        for cluster in list(self.runtime.clusters.values()):
            for record in cluster.processes():
                key = (record.role, "alive" if launcher.is_alive(record) else "dead")
                counts[key] = counts.get(key, 0) + 1
        family = GaugeMetricFamily(CLUSTER_PROCESSES, _HELP, labels=["role", "state"])
        for (role, state), count in counts.items():
            family.add_metric([role, state], count)
        return [family]
