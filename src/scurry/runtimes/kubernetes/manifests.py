"""From manifests to the Kubernetes objects the operator would create for them, offline.

Each FlinkDeployment is checked as admission checks it (FKO's webhook rules for
a cluster) and rendered as its first deployment would be: job running, the
restore path `initialSavepointPath`, a job id derived from the resource (the
operator picks a fresh one per deploy). FlinkSessionJobs and FlinkStateSnapshots
become no objects of their own (their effects go through Flink's REST API),
nor does a FlinkDeployment whose job is suspended, nor an FKO canary. Documents of other API
groups (a PersistentVolumeClaim beside the deployment) are not the operator's
and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scurry.config.defaults import profile_defaults
from scurry.config.operator_defaults import OperatorDefaults
from scurry.core.clusterspec import build_cluster_spec
from scurry.core.configs import deployment_config
from scurry.core.observation import ControlConfig
from scurry.core.transitions import new_job_id, with_job_state
from scurry.core.validation import ValidationContext, validate_deployment
from scurry.errors import InvalidInput, ValidationFailed
from scurry.models.cluster import ClusterSpec
from scurry.models.enums import JobState
from scurry.models.manifest import check_namespace, normalize, parse_documents
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_GROUP, FlinkDeployment
from scurry.runtimes.kubernetes.pods import RenderOptions
from scurry.runtimes.kubernetes.render import render_cluster

Obj = dict[str, Any]
RENDER_TOKEN = "render"
# FKO's canary resources only tell whether the operator reconciles; they run nothing.
CANARY_LABEL = "flink.apache.org/canary"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def control_config(operator_defaults: OperatorDefaults | None = None) -> ControlConfig:
    """What the operator on Kubernetes decides with: FKO's rules, no local relaxations."""
    return ControlConfig(
        defaults=profile_defaults("kubernetes"),
        validation=ValidationContext(local=False),
        operator_defaults=operator_defaults or OperatorDefaults(),
    )


def flink_documents(text: str, source: str, namespace: str | None) -> list[Obj]:
    """The `flink.apache.org` documents of a manifest, normalized, in namespace `namespace`."""
    found = []
    for doc in parse_documents(text, source):
        if not isinstance(doc, Mapping):
            raise InvalidInput(f"{source}: document must be a map, got {type(doc).__name__}")
        group = str(doc.get("apiVersion") or "").partition("/")[0]
        if group != FLINK_GROUP:
            continue
        found.append(normalize(_in_namespace(dict(doc), namespace)))
    return found


def _in_namespace(doc: Obj, namespace: str | None) -> Obj:
    if namespace is None:
        return doc
    check_namespace(namespace)
    meta = dict(doc.get("metadata") or {})
    given = meta.get("namespace")
    if given and given != namespace:
        raise InvalidInput(
            f"the namespace from the provided object {given!r} does not match the namespace "
            f"{namespace!r}; you must pass '--namespace={given}' to perform this operation"
        )
    meta["namespace"] = namespace
    return {**doc, "metadata": meta}


def is_canary(doc: Obj) -> bool:
    labels = (doc.get("metadata") or {}).get("labels") or {}
    return str(labels.get(CANARY_LABEL, "")).lower() == "true"


def deployment_cluster(resource: FlinkDeployment, control: ControlConfig) -> ClusterSpec | None:
    """The cluster a first deployment of `resource` starts; None for a suspended job."""
    spec = resource.spec
    meta = resource.metadata
    config = deployment_config(control, meta.namespace, spec, {})
    error = validate_deployment(resource, config, None, control.validation)
    if error:
        raise ValidationFailed(f'FlinkDeployment "{meta.name}" is invalid: {error}')
    if spec.job is not None and spec.job.state is JobState.SUSPENDED:
        return None
    version = spec.flink_version.value if spec.flink_version else None
    job_id = None
    if spec.job is not None:
        job_id = new_job_id(meta.uid or f"{meta.namespace}/{meta.name}", EPOCH)
    if meta.generation is None:  # as the API server sets it on create
        resource = resource.model_copy(
            update={"metadata": meta.model_copy(update={"generation": 1})}
        )
    return build_cluster_spec(
        resource,
        with_job_state(spec, JobState.RUNNING),
        control.defaults_for(meta.namespace, version, {}),
        job_id=job_id,
        savepoint_path=spec.job.initial_savepoint_path if spec.job else None,
        token=RENDER_TOKEN,
    )


def render_manifest(
    text: str,
    *,
    source: str = "<input>",
    namespace: str | None = None,
    control: ControlConfig | None = None,
    options: RenderOptions | None = None,
) -> list[Obj]:
    """Every object the operator would create for the manifest `text`, in creation order."""
    control = control or control_config()
    objects: list[Obj] = []
    for doc in flink_documents(text, source, namespace):
        if doc["kind"] != FLINK_DEPLOYMENT.kind or is_canary(doc):
            continue
        cluster = deployment_cluster(FlinkDeployment.model_validate(doc), control)
        if cluster is not None:
            objects += render_cluster(cluster, options)
    return objects
