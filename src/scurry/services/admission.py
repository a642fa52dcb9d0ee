"""Admission: what the API refuses or adds before anything is stored (FKO's webhook).

The validators the controller runs, against the effective configuration and
the resource's last reconciled spec, plus the runtime's check that the job's
artifacts exist. Session jobs get FKO's `target.session` label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scurry.autoscaler.excluded import period_errors
from scurry.autoscaler.options import AutoscalerOptions, option_errors
from scurry.config.flinkconf import flatten
from scurry.core.configs import deployment_config, session_job_config
from scurry.core.observation import ControlConfig
from scurry.core.reconciled import deserialize
from scurry.core.snapshot import SnapshotObservation, validate_snapshot
from scurry.core.validation import validate_deployment, validate_session_job
from scurry.errors import NotFound, ScurryError, ValidationFailed
from scurry.models.cluster import ClusterRef
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    FlinkDeployment,
    FlinkSessionJob,
    FlinkStateSnapshot,
)
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec, JobSpec
from scurry.ports import ResourceStore, Runtime

SESSION_LABEL = "target.session"


def mutate(obj: dict[str, Any]) -> None:
    """FKO's mutator: a session job is labelled with its session cluster's name."""
    if obj["kind"] == FLINK_SESSION_JOB.kind:
        target = (obj.get("spec") or {}).get("deploymentName")
        if target:
            obj["metadata"].setdefault("labels", {})[SESSION_LABEL] = target


async def admit(
    obj: dict[str, Any],
    existing: dict[str, Any] | None,
    store: ResourceStore,
    runtime: Runtime,
    control: ControlConfig,
) -> None:
    """Raise ValidationFailed naming the rule `obj` breaks; return if it may be stored."""
    if obj["kind"] == FLINK_DEPLOYMENT.kind:
        error = await _deployment_error(obj, existing, runtime, control)
    elif obj["kind"] == FLINK_SESSION_JOB.kind:
        error = await _session_job_error(obj, existing, store, runtime, control)
    elif obj["kind"] == FLINK_STATE_SNAPSHOT.kind:
        # Whether the target exists is reported in the snapshot's status, as FKO does.
        error = validate_snapshot(FlinkStateSnapshot.model_validate(obj), SnapshotObservation(True))
    else:
        return
    if error:
        raise ValidationFailed(f'{obj["kind"]} "{obj["metadata"]["name"]}" is invalid: {error}')


async def _deployment_error(
    obj: dict[str, Any], existing: dict[str, Any] | None, runtime: Runtime, control: ControlConfig
) -> str | None:
    resource = FlinkDeployment.model_validate(obj)
    meta = resource.metadata
    ref = ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")
    last = None
    if existing is not None:
        status = FlinkDeployment.model_validate(existing).status
        text = status.reconciliation_status.last_reconciled_spec
        reconciled = deserialize(text, FlinkDeploymentSpec)
        last = reconciled.spec if reconciled else None
    config = deployment_config(control, ref.namespace, resource.spec, runtime.defaults(ref))
    error = validate_deployment(resource, config, last, control.validation)
    error = error or autoscaler_error(flatten(resource.spec.flink_configuration))
    starting = _starts_from_savepoint(resource.spec.job, existing)
    return error or await _artifact_error(resource.spec.job, runtime, control, starting)


def autoscaler_error(config: Mapping[str, str]) -> str | None:
    """The first `job.autoscaler.*` option of the resource that does not read or fit."""
    errors = option_errors(config)
    errors += period_errors(AutoscalerOptions.from_config(config).excluded_periods)
    return errors[0] if errors else None


async def _session_job_error(
    obj: dict[str, Any],
    existing: dict[str, Any] | None,
    store: ResourceStore,
    runtime: Runtime,
    control: ControlConfig,
) -> str | None:
    job = FlinkSessionJob.model_validate(obj)
    namespace = job.metadata.namespace or "default"
    target = job.spec.deployment_name or ""
    try:
        session = FlinkDeployment.model_validate(
            await store.get(FLINK_DEPLOYMENT.kind, namespace, target)
        )
    except NotFound:
        session = None
    defaults = runtime.defaults(ClusterRef(namespace=namespace, name=target))
    spec = session.spec if session else None
    config = session_job_config(control, namespace, spec, job.spec, defaults)
    last = None
    if existing is not None:
        text = FlinkSessionJob.model_validate(existing).status.reconciliation_status
        reconciled = deserialize(text.last_reconciled_spec, FlinkSessionJobSpec)
        last = reconciled.spec if reconciled else None
    error = validate_session_job(job, session, config, last, control.validation)
    starting = _starts_from_savepoint(job.spec.job, existing)
    return error or await _artifact_error(job.spec.job, runtime, control, starting)


def _starts_from_savepoint(job: JobSpec | None, existing: dict[str, Any] | None) -> bool:
    """initialSavepointPath matters for a new resource or a changed path or redeploy nonce."""
    if job is None or not job.initial_savepoint_path:
        return False
    if existing is None:
        return True
    before = JobSpec.model_validate((existing.get("spec") or {}).get("job") or {})
    return (job.initial_savepoint_path, job.savepoint_redeploy_nonce) != (
        before.initial_savepoint_path,
        before.savepoint_redeploy_nonce,
    )


async def _artifact_error(
    job: JobSpec | None, runtime: Runtime, control: ControlConfig, starting: bool
) -> str | None:
    if job is None or not control.validation.local:
        return None
    try:
        await runtime.check_job(job.jar_uri, job.entry_class, job.args)
        if starting and job.initial_savepoint_path:
            await runtime.check_savepoint(job.initial_savepoint_path)
    except ScurryError as exc:
        return exc.message
    return None
