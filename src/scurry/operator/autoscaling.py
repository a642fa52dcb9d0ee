"""The autoscaler in the reconcile loop of a FlinkDeployment with
`job.autoscaler.enabled: true`: sample the job, run the pure decision, keep its state,
and carry out a rescale.

State lives where FKO keeps it, in the ConfigMap `autoscaler-<name>` next to the
deployment (owned by it), so a restarted control plane resumes with its history. A
rescale goes through the adaptive scheduler (`PUT /jobs/<id>/resource-requirements`):
Flink restarts the job from its latest checkpoint with the new parallelism, using
free slots. Without the adaptive scheduler, the overrides go into the configuration
the controller acts on (`realize`), and the job is upgraded with its upgrade mode.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from scurry.autoscaler.decide import Event, JobView, Outcome, autoscale
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.report import vertex_summary
from scurry.autoscaler.samples import Sample, Topology
from scurry.autoscaler.state import AutoscalerState
from scurry.config.flinkconf import flatten
from scurry.config.vertex_overrides import VERTEX_OVERRIDES as OVERRIDES_KEY
from scurry.config.vertex_overrides import format_overrides
from scurry.core import reconciled
from scurry.core.clusterspec import slot_capacity
from scurry.core.specdiff import diff_specs
from scurry.errors import NotFound, ScurryError
from scurry.models.enums import DeploymentMode, DiffType
from scurry.models.resources import CONFIG_MAP, FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.operator.executor import involved
from scurry.ports import EventRecord, FlinkApi, FlinkApiFactory, Obj, ResourceStore
from scurry.services import job_metrics as collect
from scurry.telemetry import Metrics

log = logging.getLogger(__name__)

STATE_KEY = "state"
SCHEDULER_KEY = "jobmanager.scheduler"
SAMPLE_INTERVAL = 10.0  # seconds between samples while the autoscaler is on


def state_name(deployment: str) -> str:
    return f"autoscaler-{deployment}"


class Autoscaling:
    """One per controller; remembers per job which operator metrics its sources have."""

    def __init__(
        self,
        store: ResourceStore,
        flink_api: FlinkApiFactory,
        metrics: Metrics,
        now: Callable[[], float],
    ) -> None:
        self.store, self.flink_api, self.metrics, self.now = store, flink_api, metrics, now
        self._sources: dict[str, dict[str, tuple[str, ...]]] = {}
        self._exported: dict[tuple[str, str], set[str]] = {}  # vertices re-exported per job

    async def step(self, obj: Obj, config: Mapping[str, str], rest_url: str | None) -> float | None:
        """Advance the autoscaler of one deployment; when to look again (None: off)."""
        resource = FlinkDeployment.model_validate(obj)
        options = AutoscalerOptions.from_config(config)
        if not options.enabled or resource.spec.job is None or resource.metadata.deletion_timestamp:
            await self._forget(resource)
            return None
        job_id = resource.status.job_status.job_id
        if not rest_url or not job_id:
            return SAMPLE_INTERVAL
        nonce = resource.spec.job.autoscaler_reset_nonce
        api = self.flink_api(rest_url)
        try:
            outcome = await self._decide(api, resource, job_id, options, nonce)
            if outcome is not None:
                await self._carry_out(api, obj, job_id, outcome, config)
        except ScurryError as exc:
            self.metrics.autoscaler_decision("error")
            await self._event(obj, Event("Warning", "AutoscalerError", str(exc)))
        finally:
            await api.close()
        return SAMPLE_INTERVAL

    async def realize(
        self, resource: FlinkDeployment, config: Mapping[str, str]
    ) -> FlinkDeployment:
        """The deployment as the controller acts on it: the recorded overrides laid over
        its configuration (not over the stored spec), as FKO's realizer does.

        Without the adaptive scheduler, a rescale is an upgrade: the spec diff sees the
        overrides change and upgrades the job with its upgrade mode. With it, rescales
        happen in place, and the overrides join the configuration only when the job is
        upgraded anyway: when the user's own change upgrades it (so it restarts at the
        parallelism the autoscaler chose) or when they need more slots than the running
        cluster has (the upgrade starts it with the TaskManagers they need). Otherwise
        the configuration keeps the overrides the cluster was deployed with.
        """
        options = AutoscalerOptions.from_config(config)
        if not options.enabled or resource.spec.job is None:
            return resource
        state, _ = await self._load(resource)
        if not state.overrides:
            return resource
        wanted: str | None = format_overrides(state.overrides)
        running = _running(resource)
        if _in_place(config) and running is not None:
            spec, deployed = running
            as_deployed = _with_overrides(resource, deployed)
            mode = resource.spec.mode or DeploymentMode.NATIVE
            upgraded = diff_specs(spec, as_deployed.spec, mode).type is not DiffType.IGNORE
            if not upgraded and max(state.overrides.values()) <= _capacity(running, config):
                return as_deployed
        return _with_overrides(resource, wanted)

    async def _decide(
        self,
        api: FlinkApi,
        resource: FlinkDeployment,
        job_id: str,
        options: AutoscalerOptions,
        nonce: int | None,
    ) -> Outcome | None:
        details = await api.job(job_id)
        topo = collect.topology(details, await api.job_plan(job_id))
        since = collect.running_since(details)
        sample = None
        if since is not None:
            sources = await self._source_metrics(api, job_id, topo)
            sample = await collect.sample(api, job_id, topo, sources, options, self.now())
            self._export(resource, topo, sample)
        state, version = await self._load(resource)
        outcome = autoscale(state, JobView(topo, since), sample, self.now(), options, nonce)
        await self._save(resource, outcome, version)
        return outcome

    async def _source_metrics(
        self, api: FlinkApi, job_id: str, topo: Topology
    ) -> dict[str, tuple[str, ...]]:
        known = self._sources.get(job_id)
        if known is None or set(known) != {v.vertex_id for v in topo.vertices if v.is_source}:
            known = {
                v.vertex_id: await collect.source_metric_names(api, job_id, v.vertex_id)
                for v in topo.vertices
                if v.is_source
            }
            # Operator metrics appear once the tasks run; keep asking until they do.
            if all(known.values()):
                self._sources[job_id] = known
        return known

    async def _carry_out(
        self, api: FlinkApi, obj: Obj, job_id: str, outcome: Outcome, config: Mapping[str, str]
    ) -> None:
        self.metrics.autoscaler_decision(outcome.result)
        for event in outcome.events:
            await self._event(obj, event)
        if outcome.result != "scaled":
            return
        overrides = format_overrides(outcome.overrides)
        if not _in_place(config):
            message = f"Rescaling by an upgrade of the job: {OVERRIDES_KEY}={overrides}"
            await self._event(obj, Event("Normal", "Scaling", message))
            return
        running = _running(FlinkDeployment.model_validate(obj))
        needed = max(outcome.overrides.values(), default=0)
        capacity = _capacity(running, config) if running is not None else needed
        if needed > capacity:
            # The adaptive scheduler only uses free slots: the TaskManagers come first, by
            # an upgrade (see `realize`) that starts the cluster with as many as needed.
            message = (
                f"Rescaling by an upgrade with more TaskManagers: {needed} slots needed,"
                f" the cluster has {capacity}: {OVERRIDES_KEY}={overrides}"
            )
            await self._event(obj, Event("Normal", "Scaling", message))
            return
        await api.set_parallelism(job_id, dict(outcome.overrides))
        await self._event(obj, Event("Normal", "Scaling", "In-place scaling triggered"))

    # -- state -------------------------------------------------------------------------

    async def _load(self, resource: FlinkDeployment) -> tuple[AutoscalerState, Obj | None]:
        meta = resource.metadata
        try:
            cm = await self.store.get(
                CONFIG_MAP.kind, meta.namespace or "default", state_name(meta.name or "")
            )
        except NotFound:
            return AutoscalerState(), None
        text = (cm.get("data") or {}).get(STATE_KEY)
        try:
            return AutoscalerState.from_dict(json.loads(text) if text else None), cm
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable autoscaler state of %s; starting afresh", meta.name)
            return AutoscalerState(), cm

    async def _save(self, resource: FlinkDeployment, outcome: Outcome, cm: Obj | None) -> None:
        data = _state_data(outcome)
        if cm is None:
            await self.store.create(_config_map(resource, data))
        elif cm.get("data") != data:
            await self.store.update({**cm, "data": data})

    def _export(self, resource: FlinkDeployment, topo: Topology, sample: Sample) -> None:
        """Re-export the sampled job metrics on scurry's own /metrics."""
        key = (resource.metadata.namespace or "default", resource.metadata.name or "")
        seen = self._exported.setdefault(key, set())
        for vertex in topo.vertices:
            metrics = sample.vertices[vertex.vertex_id]
            values = {
                "parallelism": float(vertex.parallelism),
                "busy_ratio": metrics.busy_ms / 1000.0,
                "backpressured_ratio": metrics.backpressured_ms / 1000.0,
                "records_in_per_second": metrics.records_in,
                "records_out_per_second": metrics.records_out,
            }
            if metrics.pending_records is not None:
                values["pending_records"] = metrics.pending_records
            self.metrics.job_vertex((*key, vertex.vertex_id), values)
            seen.add(vertex.vertex_id)

    async def _forget(self, resource: FlinkDeployment) -> None:
        meta = resource.metadata
        key = (meta.namespace or "default", meta.name or "")
        for vertex_id in self._exported.pop(key, set()):
            self.metrics.forget_job_vertex((*key, vertex_id))
        with contextlib.suppress(NotFound):
            await self.store.delete(
                CONFIG_MAP.kind, meta.namespace or "default", state_name(meta.name or "")
            )

    async def _event(self, obj: Obj, event: Event) -> None:
        warning = event.type == "Warning"
        self.metrics.event(event.reason, event.type)
        record = EventRecord(
            involved(obj), "Warning" if warning else "Normal", event.reason, event.message, "Job"
        )
        await self.store.record_event(record)


def _in_place(config: Mapping[str, str]) -> bool:
    """Whether the JobManager runs the adaptive scheduler, which rescales a running job."""
    return config.get(SCHEDULER_KEY, "").strip().lower() == "adaptive"


def _running(resource: FlinkDeployment) -> tuple[FlinkDeploymentSpec, str | None] | None:
    """The spec last deployed and the overrides in its configuration; None before any."""
    text = resource.status.reconciliation_status.last_reconciled_spec
    last = reconciled.deserialize(text, FlinkDeploymentSpec)
    if last is None:
        return None
    return last.spec, flatten(last.spec.flink_configuration).get(OVERRIDES_KEY)


def _capacity(running: tuple[FlinkDeploymentSpec, str | None], config: Mapping[str, str]) -> int:
    """The task slots of the running cluster: its TaskManagers followed its overrides."""
    spec, deployed = running
    as_deployed = {k: v for k, v in config.items() if k != OVERRIDES_KEY}
    if deployed is not None:
        as_deployed[OVERRIDES_KEY] = deployed
    return slot_capacity(spec, as_deployed)


def _with_overrides(resource: FlinkDeployment, overrides: str | None) -> FlinkDeployment:
    """`resource` with `overrides` as its configuration's (none: without the key)."""
    flink_config = dict(resource.spec.flink_configuration or {})
    flink_config.pop(OVERRIDES_KEY, None)
    if overrides is not None:
        flink_config[OVERRIDES_KEY] = overrides
    spec = resource.spec.model_copy(update={"flink_configuration": flink_config or None})
    return resource.model_copy(update={"spec": spec})


def _state_data(outcome: Outcome) -> dict[str, str]:
    """The ConfigMap's data: the state, the overrides as Flink reads them, a summary."""
    state = outcome.state
    data = {STATE_KEY: json.dumps(state.to_dict(), sort_keys=True)}
    if state.overrides:
        data[OVERRIDES_KEY] = format_overrides(state.overrides)
    data["scalingHistory"] = json.dumps([r.to_dict() for r in state.history])
    data["lastResult"] = outcome.result
    if outcome.evaluations:  # the rates behind the last decision, per vertex
        data["lastEvaluation"] = json.dumps(vertex_summary(outcome.evaluations))
    return data


def _config_map(resource: FlinkDeployment, data: dict[str, str]) -> Obj:
    meta = resource.metadata
    owner: dict[str, Any] = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "name": meta.name,
        "uid": meta.uid,
        "controller": False,
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": state_name(meta.name or ""),
            "namespace": meta.namespace or "default",
            "labels": {"app": meta.name or "", "component": "autoscaler"},
            "ownerReferences": [owner],
        },
        "data": data,
    }
