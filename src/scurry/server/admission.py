"""Admission: what the API refuses before anything is stored (FKO's webhook).

The same validator the controller runs, against the effective configuration
and the resource's last reconciled spec, plus the runtime's check that the
job's artifacts exist.
"""

from __future__ import annotations

from typing import Any

from scurry.core.clusterspec import effective_config
from scurry.core.observation import ControlConfig
from scurry.core.reconciled import deserialize
from scurry.core.validation import validate_deployment
from scurry.errors import ValidationFailed
from scurry.models.cluster import ClusterRef
from scurry.models.resources import FLINK_DEPLOYMENT, FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.ports import Runtime


async def admit(
    obj: dict[str, Any],
    existing: dict[str, Any] | None,
    runtime: Runtime,
    control: ControlConfig,
) -> None:
    """Raise ValidationFailed naming the rule `obj` breaks; return if it may be stored."""
    if obj["kind"] != FLINK_DEPLOYMENT.kind:
        return
    resource = FlinkDeployment.model_validate(obj)
    meta = resource.metadata
    ref = ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")
    defaults = {**control.defaults, **runtime.defaults(ref)}
    last = None
    if existing is not None:
        status = FlinkDeployment.model_validate(existing).status
        reconciled = deserialize(
            status.reconciliation_status.last_reconciled_spec, FlinkDeploymentSpec
        )
        last = reconciled.spec if reconciled else None
    config = effective_config(defaults, resource.spec)
    error = validate_deployment(resource, config, last, control.validation)
    if error:
        raise ValidationFailed(f'FlinkDeployment "{meta.name}" is invalid: {error}')
    job = resource.spec.job
    if job is not None and control.validation.local:
        try:
            await runtime.check_job(job.jar_uri, job.entry_class, job.args)
        except ValidationFailed:
            raise
        except Exception as exc:
            message = getattr(exc, "message", str(exc))
            raise ValidationFailed(f'FlinkDeployment "{meta.name}" is invalid: {message}') from None
