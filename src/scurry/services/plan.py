"""What applying manifests would do (a dry run): one answer per document, nothing written.

Each document is answered with what an apply would do to the job it describes
(`scurry.core.explain`) and, instead of a refusal, the admission errors that
would refuse it. The plan route of the FKO API and the dashboard's apply
preview both ask here.
"""

from __future__ import annotations

from typing import Any

from scurry.bootstrap import Container
from scurry.core.configs import deployment_config, session_job_config
from scurry.core.explain import ChangePlan, explain, facts_of
from scurry.core.explain_snapshot import explain_snapshot
from scurry.errors import NotFound, ValidationFailed
from scurry.models.cluster import ClusterRef
from scurry.models.manifest import load_manifests
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    FlinkDeployment,
    FlinkSessionJob,
    FlinkStateSnapshot,
)
from scurry.services.admission import admit, mutate

Obj = dict[str, Any]
PLANNED = frozenset({FLINK_DEPLOYMENT.kind, FLINK_SESSION_JOB.kind, FLINK_STATE_SNAPSHOT.kind})
NO_ADMISSION = (
    "admission validation is off: the apply would be stored, and the controller would "
    "record the error in status.error and keep the last good spec running"
)


async def plan(container: Container, text: str) -> list[Obj]:
    """One item per document of `text` (YAML or JSON), in the order of the documents."""
    return [await _item(container, obj) for obj in load_manifests(text, "request body")]


async def _item(container: Container, obj: Obj) -> Obj:
    meta = obj["metadata"]
    existing = await _stored(container, obj["kind"], meta["namespace"], meta["name"])
    if obj["kind"] not in PLANNED:
        return _stored_as_given(obj, existing)
    mutate(obj)
    errors = await _admission_errors(container, obj, existing)
    change = await _explain(container, obj, existing)
    notes = list(change.notes)
    if errors and not container.settings.admission_validation:
        notes.append(NO_ADMISSION)
    return {
        "kind": obj["kind"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "admitted": not errors or not container.settings.admission_validation,
        **as_json(change),
        "errors": [*errors, *change.errors],
        "notes": notes,
    }


def _stored_as_given(obj: Obj, existing: Obj | None) -> Obj:
    """Kinds without a job (ConfigMaps, Secrets) are stored as they come: no job changes."""
    meta = obj["metadata"]
    same = existing is not None and all(
        existing.get(k) == obj.get(k) for k in ("data", "binaryData", "stringData", "spec")
    )
    action = "create" if existing is None else ("none" if same else "update")
    return {
        "kind": obj["kind"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "admitted": True,
        "action": action,
        "summary": f"{obj['kind']} is stored as given; no job changes",
        "diffType": None,
        "changes": [],
        "stopsJob": False,
        "suspend": None,
        "snapshot": None,
        "restore": None,
        "restorePath": None,
        "errors": [],
        "notes": [],
    }


def as_json(change: ChangePlan) -> Obj:
    """A ChangePlan in the API's camelCase."""
    return {
        "action": change.action.value,
        "summary": change.summary,
        "diffType": change.diff_type.name if change.diff_type is not None else None,
        "changes": [
            {"path": c.path, "old": c.old, "new": c.new, "type": c.type.name}
            for c in change.changes
        ],
        "stopsJob": change.stops_job,
        "suspend": change.suspend.value if change.suspend else None,
        "snapshot": change.snapshot.value if change.snapshot else None,
        "restore": change.restore.value if change.restore else None,
        "restorePath": change.restore_path,
    }


async def _stored(container: Container, kind: str, namespace: str, name: str) -> Obj | None:
    try:
        found: Obj = await container.store.get(kind, namespace, name)
    except NotFound:
        return None
    return found


async def _admission_errors(container: Container, obj: Obj, existing: Obj | None) -> list[str]:
    """The admission webhook's verdict, always asked (whether or not the API enforces it)."""
    try:
        await admit(obj, existing, container.store, container.runtime, container.control)
    except ValidationFailed as exc:
        prefix = f'{obj["kind"]} "{obj["metadata"]["name"]}" is invalid: '
        return [exc.message.removeprefix(prefix)]
    return []


async def _explain(container: Container, obj: Obj, existing: Obj | None) -> ChangePlan:
    if obj["kind"] == FLINK_DEPLOYMENT.kind:
        resource = FlinkDeployment.model_validate(obj)
        current = FlinkDeployment.model_validate(existing) if existing else None
        meta = resource.metadata
        ref = ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")
        runtime = container.runtime.defaults(ref)
        config = deployment_config(container.control, ref.namespace, resource.spec, runtime)
        return explain(current, resource.spec, None, config)
    if obj["kind"] == FLINK_SESSION_JOB.kind:
        job = FlinkSessionJob.model_validate(obj)
        stored = FlinkSessionJob.model_validate(existing) if existing else None
        session = await _session(container, job)
        facts = facts_of(stored, session) if stored else None
        namespace = job.metadata.namespace or "default"
        target = ClusterRef(namespace=namespace, name=job.spec.deployment_name or "")
        runtime = container.runtime.defaults(target)
        spec = session.spec if session else None
        config = session_job_config(container.control, namespace, spec, job.spec, runtime)
        return explain(stored, job.spec, facts, config)
    snapshot = FlinkStateSnapshot.model_validate(obj)
    before = FlinkStateSnapshot.model_validate(existing) if existing else None
    return explain_snapshot(before, snapshot.spec)


async def _session(container: Container, job: FlinkSessionJob) -> FlinkDeployment | None:
    namespace, target = job.metadata.namespace or "default", job.spec.deployment_name or ""
    found = await _stored(container, FLINK_DEPLOYMENT.kind, namespace, target)
    return FlinkDeployment.model_validate(found) if found else None
