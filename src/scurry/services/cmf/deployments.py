"""The FlinkDeployment an application becomes, computed without I/O.

Named like the application, in the environment's namespace, owned by the
application (an ownerReference with its uid) and labelled with both names.
The spec is the application's with the environment's defaults laid over it;
CMF's `job.startFromSavepoint` becomes FKO's `initialSavepointPath` (plus a
new `savepointRedeployNonce` when a deployed job must start over from it).
What the controller keeps on the existing deployment (finalizers, the nonce,
the path it started from) is carried over, so an update never undoes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from scurry.models.cmf import CMF_API_VERSION
from scurry.models.resources import FLINK_API_VERSION, FLINK_DEPLOYMENT
from scurry.ports import Obj
from scurry.services.cmf import defaults
from scurry.services.cmf.kinds import APPLICATION_LABEL, ENVIRONMENT_LABEL

START_FROM = "startFromSavepoint"


@dataclass(frozen=True)
class Restore:
    """Start the job from `path`; `redeploy` drops a job that already ran to get there."""

    path: str
    allow_non_restored_state: bool | None = None
    redeploy: bool = False


def effective_spec(app_spec: dict[str, Any], env: Obj) -> dict[str, Any]:
    """The application's spec with the environment's defaults merged (CMF's precedence)."""
    return defaults.merged_spec(app_spec, env["spec"].get("flinkApplicationDefaults"))


def start_from(spec: dict[str, Any]) -> dict[str, Any] | None:
    job = spec.get("job")
    value = job.get(START_FROM) if isinstance(job, dict) else None
    return value if isinstance(value, dict) else None


def deployment_for(app: Obj, env: Obj, restore: Restore | None, existing: Obj | None) -> Obj:
    """The FlinkDeployment for stored application `app` of environment `env`."""
    meta = app["metadata"]
    name, env_name = meta["name"], env["metadata"]["name"]
    app_defaults = env["spec"].get("flinkApplicationDefaults")
    labels = defaults.merged_metadata(meta, app_defaults, "labels")
    labels.update({ENVIRONMENT_LABEL: env_name, APPLICATION_LABEL: name})
    new_meta: dict[str, Any] = {
        "name": name,
        "namespace": env["spec"]["kubernetesNamespace"],
        "labels": labels,
        "annotations": defaults.merged_metadata(meta, app_defaults, "annotations"),
        "ownerReferences": [owner_reference(app)],
    }
    if existing is not None:
        for key in ("resourceVersion", "finalizers"):
            if key in existing["metadata"]:
                new_meta[key] = copy.deepcopy(existing["metadata"][key])
    spec = effective_spec(app["spec"], env)
    _set_job(spec, restore, (existing or {}).get("spec") or {})
    return {
        "apiVersion": FLINK_API_VERSION,
        "kind": FLINK_DEPLOYMENT.kind,
        "metadata": new_meta,
        "spec": spec,
    }


def owner_reference(app: Obj) -> dict[str, Any]:
    meta = app["metadata"]
    return {
        "apiVersion": CMF_API_VERSION,
        "kind": "FlinkApplication",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(deployment: Obj, app: Obj | None) -> bool:
    """Whether `deployment` belongs to application record `app`."""
    if app is None:
        return False
    owners = deployment["metadata"].get("ownerReferences") or []
    uid = app["metadata"].get("uid")
    return any(isinstance(o, dict) and o.get("uid") == uid for o in owners)


def _set_job(spec: dict[str, Any], restore: Restore | None, before: dict[str, Any]) -> None:
    job = spec.get("job")
    if not isinstance(job, dict):
        return
    job.pop(START_FROM, None)
    previous = before.get("job")
    old_job: dict[str, Any] = previous if isinstance(previous, dict) else {}
    for key in ("initialSavepointPath", "savepointRedeployNonce"):
        if job.get(key) is None and old_job.get(key) is not None:
            job[key] = old_job[key]
    if restore is None:
        return
    job["initialSavepointPath"] = restore.path
    if restore.allow_non_restored_state is not None:
        job["allowNonRestoredState"] = restore.allow_non_restored_state
    if restore.redeploy:
        job["savepointRedeployNonce"] = _next_nonce(old_job.get("savepointRedeployNonce"))


def _next_nonce(current: Any) -> int:
    return (current + 1) if isinstance(current, int) and not isinstance(current, bool) else 1
