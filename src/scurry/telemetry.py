"""The control plane's Prometheus metrics, kept in one registry per installation.

A `Metrics` owns its `CollectorRegistry` (never the process-wide default one),
so two apps or tests in one process never collide. Adapters record into it;
what can only be read (resources in the store, processes of the runtime) is
collected at scrape time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RECONCILE_RESULTS = ("ok", "error", "conflict", "action_failed")
RESOURCES = "scurry_resources"
CLUSTER_PROCESSES = "scurry_cluster_processes"
# A reconcile that deploys or stops a cluster can take seconds; the default buckets end at 10.
RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Samples = Mapping[tuple[str, ...], float]
SampleSource = Callable[[], Awaitable[Samples]]


class SnapshotGauge(Collector):
    """A gauge whose samples an async source computes (e.g. by reading the store).

    `refresh()` (awaited before a scrape) asks the source at most once per `ttl`
    seconds and waits at most `timeout`; `collect()` serves the last snapshot.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str],
        *,
        ttl: float = 5.0,
        timeout: float = 2.0,
    ) -> None:
        self.name, self.documentation, self.labels = name, documentation, tuple(labels)
        self.ttl, self.timeout = ttl, timeout
        self.source: SampleSource | None = None
        self._samples: Samples = {}
        self._taken_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, now: Callable[[], float] = time.monotonic) -> None:
        if self.source is None:
            return
        async with self._lock:
            if self._taken_at is not None and now() - self._taken_at < self.ttl:
                return
            try:
                self._samples = await asyncio.wait_for(self.source(), self.timeout)
            except Exception as exc:  # a slow or failing source leaves the last snapshot
                log.warning("%s: keeping the last samples (%r)", self.name, exc)
            self._taken_at = now()

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labels)]

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for values, sample in sorted(self._samples.items()):
            family.add_metric(list(values), sample)
        return [family]


FINAL_SNAPSHOT_STATES = ("COMPLETED", "FAILED", "ABANDONED")


def _reconciliation_state(status: Mapping[str, Any]) -> Any:
    return (status.get("reconciliationStatus") or {}).get("state")


VERTEX_GAUGES = {
    "parallelism": "subtasks",
    "busy_ratio": "share of time busy (max over subtasks)",
    "backpressured_ratio": "share of time backpressured (max over subtasks)",
    "records_in_per_second": "records consumed per second (a source: emitted)",
    "records_out_per_second": "records emitted per second",
    "pending_records": "a source's backlog, where the source reports one",
}


class Metrics:
    """Every metric scurry exports, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry | None = None, *, version: str = "") -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.reconcile_duration = Histogram(
            "scurry_reconcile_duration_seconds",
            "Time one reconcile of a resource took.",
            ["kind"],
            buckets=RECONCILE_BUCKETS,
            registry=self.registry,
        )
        self.reconciles = Counter(
            "scurry_reconcile_total",
            "Reconciles of resources, by result (ok, error, conflict, action_failed).",
            ["kind", "result"],
            registry=self.registry,
        )
        self.workqueue_depth = Gauge(
            "scurry_workqueue_depth",
            "Keys waiting in the controller's work queue.",
            registry=self.registry,
        )
        self.events = Counter(
            "scurry_events_total",
            "Kubernetes-style events recorded about resources, by reason and type.",
            ["reason", "type"],
            registry=self.registry,
        )
        self.autoscaler_decisions = Counter(
            "scurry_autoscaler_decisions_total",
            "Autoscaler steps, by result (scaled, balanced, recommended, collecting,"
            " stabilizing, not-running, error).",
            ["result"],
            registry=self.registry,
        )
        self.actions = Counter(
            "scurry_actions_total",
            "Actions the controller carried out (DeployCluster, StopJob, TriggerSavepoint, ...),"
            " by result (ok, failed).",
            ["action", "result"],
            registry=self.registry,
        )
        self.upgrades = Counter(
            "scurry_upgrades_total",
            "Upgrades started (reconciliation state from DEPLOYED or ROLLED_BACK to UPGRADING),"
            " by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.snapshot_results = Counter(
            "scurry_snapshot_results_total",
            "FlinkStateSnapshots that reached a final state, by type and state"
            " (COMPLETED, FAILED, ABANDONED).",
            ["type", "state"],
            registry=self.registry,
        )
        vertex_labels = ["namespace", "deployment", "vertex"]
        self.vertex_gauges = {
            field: Gauge(
                f"scurry_job_vertex_{field}",
                f"Per job vertex, as last sampled from Flink by the autoscaler: {text}.",
                vertex_labels,
                registry=self.registry,
            )
            for field, text in VERTEX_GAUGES.items()
        }
        self.resources = SnapshotGauge(
            RESOURCES,
            "Resources in the store, by kind, namespace and lifecycle state.",
            ["kind", "namespace", "lifecycle_state"],
        )
        self.registry.register(self.resources)
        Info("scurry_build", "The running scurry.", registry=self.registry).info(
            {"version": version}
        )

    def reconciled(self, kind: str, result: str, seconds: float) -> None:
        self.reconcile_duration.labels(kind=kind).observe(seconds)
        self.reconciles.labels(kind=kind, result=result).inc()

    def event(self, reason: str, type_: str) -> None:
        self.events.labels(reason=reason, type=type_).inc()

    def action(self, action: str, result: str) -> None:
        self.actions.labels(action=action, result=result).inc()

    def status_changed(self, obj: Mapping[str, Any], before: Mapping[str, Any]) -> None:
        """Count what a status write started or ended: upgrades begun, snapshots finished."""
        kind, after = str(obj.get("kind")), obj.get("status") or {}
        # A first deploy is recorded as UPGRADING too; an upgrade starts from a deployed spec.
        if _reconciliation_state(after) == "UPGRADING" and _reconciliation_state(before) in (
            "DEPLOYED",
            "ROLLED_BACK",
        ):
            self.upgrades.labels(kind=kind).inc()
        state = after.get("state")
        finished = state in FINAL_SNAPSHOT_STATES and before.get("state") != state
        if kind == "FlinkStateSnapshot" and finished:
            spec = obj.get("spec") or {}
            snapshot = "checkpoint" if spec.get("checkpoint") is not None else "savepoint"
            self.snapshot_results.labels(type=snapshot, state=state).inc()

    def job_vertex(self, labels: tuple[str, str, str], values: Mapping[str, float]) -> None:
        """Re-export what was sampled of one job vertex."""
        for field, value in values.items():
            self.vertex_gauges[field].labels(*labels).set(value)

    def forget_job_vertex(self, labels: tuple[str, str, str]) -> None:
        for gauge in self.vertex_gauges.values():
            with contextlib.suppress(KeyError):
                gauge.remove(*labels)

    def autoscaler_decision(self, result: str) -> None:
        self.autoscaler_decisions.labels(result=result).inc()

    async def refresh(self) -> None:
        """Bring the scrape-time gauges up to date (bounded in time)."""
        await self.resources.refresh()
