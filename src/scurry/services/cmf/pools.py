"""Compute pools: where an environment's SQL statements run.

A SHARED pool owns one long-lived session cluster, a FlinkDeployment
`pool-<name>` built from its `clusterSpec` (without a job), that every
statement of the pool uses. A DEDICATED pool owns nothing: each of its
statements gets a cluster of its own from the same `clusterSpec`. The
environment's `computePoolDefaults` fill in what the pool leaves out (the
pool's own values win: a default is a default). A suspended shared pool has
no cluster. A pool that statements use cannot be deleted, nor suspended.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from scurry.errors import Conflict, InvalidInput, NotFound, ValidationFailed
from scurry.models.cluster import ClusterRef, JobManagerState
from scurry.models.cmf import CMF_API_VERSION
from scurry.models.cmfsql import ComputePoolRequest
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_API_VERSION, FLINK_DEPLOYMENT, FlinkDeployment
from scurry.ports import Obj
from scurry.services.admission import admit, mutate
from scurry.services.cmf import defaults, kinds, lookup, names, records, requests
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.deployments import owned_by
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter, v2_rules

KIND = "ComputePool"
CLUSTER_PREFIX = "pool-"
RULES: ListRules = v2_rules(
    extra_filters={"phase": path_getter("status.phase")},
    always_fields=("spec.type", "spec.clusterSpec", "status.phase"),  # required by the spec
)


def cluster_name(pool_name: str) -> str:
    return CLUSTER_PREFIX + pool_name


def effective_spec(pool: Obj, env: Obj) -> dict[str, Any]:
    """The pool's spec over the environment's `computePoolDefaults.spec`."""
    given = (env["spec"].get("computePoolDefaults") or {}).get("spec")
    base = given if isinstance(given, dict) else {}
    result: dict[str, Any] = defaults.merged(base, pool["spec"])
    return result


def cluster_for(
    owner: Obj,
    owner_kind: str,
    env: Obj,
    name: str,
    cluster_spec: dict[str, Any],
    labels: dict[str, str],
) -> Obj:
    """A session-cluster FlinkDeployment `name` from `cluster_spec`, owned by `owner`."""
    spec = copy.deepcopy(cluster_spec)
    spec.pop("job", None)
    task_manager = spec.setdefault("taskManager", {})
    if isinstance(task_manager, dict):
        task_manager.setdefault("replicas", 1)
    return {
        "apiVersion": FLINK_API_VERSION,
        "kind": FLINK_DEPLOYMENT.kind,
        "metadata": {
            "name": name,
            "namespace": lookup.namespace_of(env),
            "labels": {kinds.ENVIRONMENT_LABEL: env["metadata"]["name"], **labels},
            "ownerReferences": [owner_reference(owner, owner_kind)],
        },
        "spec": spec,
    }


def owner_reference(owner: Obj, kind: str) -> dict[str, Any]:
    meta = owner["metadata"]
    return {
        "apiVersion": CMF_API_VERSION,
        "kind": kind,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


async def admit_cluster(ctx: CmfContext, candidate: Obj, existing: Obj | None, what: str) -> None:
    """The FKO admission rules for a cluster derived from a pool, worded for `what`."""
    try:
        FlinkDeployment.model_validate(candidate)
        obj = normalize(copy.deepcopy(candidate))
    except ValidationError as exc:
        raise ValidationFailed(f"{what} is invalid: {requests.describe(exc)}") from None
    except InvalidInput as exc:
        raise ValidationFailed(f"{what} is invalid: {exc.message}") from None
    mutate(obj)
    if not ctx.admission:
        return
    try:
        await admit(obj, existing, ctx.fko, ctx.runtime, ctx.control())
    except ValidationFailed as exc:
        detail = exc.message.partition(" is invalid: ")[2] or exc.message
        raise ValidationFailed(f"{what} is invalid: {detail}") from None


async def rest_target(ctx: CmfContext, namespace: str, name: str) -> tuple[str, int] | None:
    """The REST host and port of cluster `name` once its JobManager serves, else None."""
    observation = await ctx.runtime.observe(ClusterRef(namespace=namespace, name=name))
    if observation.job_manager is not JobManagerState.READY or not observation.rest_url:
        return None
    found = urlsplit(observation.rest_url)
    return found.hostname or "127.0.0.1", found.port or (443 if found.scheme == "https" else 80)


def cluster_phase(deployment: Obj | None) -> tuple[str, str | None]:
    """PENDING, RUNNING, FAILED or DELETING from a session cluster's deployment."""
    if deployment is None:
        return "PENDING", "the session cluster is being created"
    if deployment["metadata"].get("deletionTimestamp"):
        return "DELETING", "the session cluster is being deleted"
    status = deployment.get("status") or {}
    state = status.get("jobManagerDeploymentStatus")
    if state == "READY":
        return "RUNNING", None
    if state in ("ERROR", "MISSING"):
        return "FAILED", str(status.get("error") or f"the JobManager is {state}")
    return "PENDING", "the session cluster is starting"


class ComputePools:
    def __init__(self, ctx: CmfContext) -> None:
        self.ctx = ctx

    async def create(self, env_name: str, body: Any) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        spec, name, labels, notes = _parsed(body)
        if await records.find(self.ctx.cmf, kinds.COMPUTE_POOL, env_name, name) is not None:
            raise Conflict(f'{KIND} "{name}" already exists in Environment "{env_name}"')
        return await self._apply(env, name, spec, labels, notes, None)

    async def update(self, env_name: str, name: str, body: Any) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        pool = await self.record(env_name, name)
        spec, body_name, labels, notes = _parsed(body)
        requests.check_same_name(name, body_name)
        if spec.get("type") != pool["spec"].get("type"):
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: spec.type: cannot change from '
                f"{pool['spec'].get('type')} to {spec.get('type')}"
            )
        users = await self.users(env_name, name)
        if users and spec != pool["spec"]:
            raise Conflict(
                f'{KIND} "{name}" cannot be updated: statements use it ({", ".join(users)})'
            )
        return await self._apply(env, name, spec, labels, notes, pool)

    async def get(self, env_name: str, name: str) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        pool = await self.record(env_name, name)
        return render(pool, await self.cluster(env, pool))

    async def page(self, env_name: str, query: ListQuery) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, env_name)
        pools = await self.ctx.cmf.list(kinds.COMPUTE_POOL, env_name)
        return page_of([render(p, await self.cluster(env, p)) for p in pools], query, RULES)

    async def delete(self, env_name: str, name: str, *, force: bool = False) -> None:
        env = await lookup.environment(self.ctx, env_name)
        pool = await self.record(env_name, name)
        users = await self.users(env_name, name)
        if users and not force:
            raise Conflict(
                f'{KIND} "{name}" is in use and cannot be deleted: statements '
                f"{', '.join(users)} use it"
            )
        if not force:
            cluster = await self.cluster(env, pool)
            if cluster is not None:
                await records.delete_quietly(self.ctx.fko, cluster)
        await self.ctx.cmf.delete(kinds.COMPUTE_POOL, env_name, name)

    async def record(self, env_name: str, name: str) -> Obj:
        found = await records.find(self.ctx.cmf, kinds.COMPUTE_POOL, env_name, name)
        if found is None:
            raise NotFound(f'{KIND} "{name}" not found in Environment "{env_name}"')
        return found

    async def users(self, env_name: str, name: str) -> list[str]:
        statements = await self.ctx.cmf.list(kinds.STATEMENT, env_name)
        return sorted(
            s["metadata"]["name"] for s in statements if s["spec"].get("computePoolName") == name
        )

    async def cluster(self, env: Obj, pool: Obj) -> Obj | None:
        """The pool's session cluster (shared pools), if it exists and is the pool's."""
        namespace = lookup.namespace_of(env)
        name = cluster_name(pool["metadata"]["name"])
        found = await records.find(self.ctx.fko, FLINK_DEPLOYMENT.kind, namespace, name)
        return found if found is not None and owned_by(found, pool) else None

    async def _apply(
        self,
        env: Obj,
        name: str,
        spec: dict[str, Any],
        labels: dict[str, str],
        notes: dict[str, str],
        existing: Obj | None,
    ) -> dict[str, Any]:
        env_name, namespace = env["metadata"]["name"], lookup.namespace_of(env)
        draft = records.record(
            kinds.COMPUTE_POOL, env_name, name, spec, labels=labels, annotations=notes
        )
        draft["metadata"]["uid"] = existing["metadata"]["uid"] if existing else "to-be-assigned"
        effective = effective_spec(draft, env)
        if effective.get("type") == "DEDICATED" and effective.get("state") is not None:
            raise ValidationFailed(
                f'{KIND} "{name}" is invalid: spec.state: only shared pools have a state'
            )
        cluster_spec = effective.get("clusterSpec")
        if not isinstance(cluster_spec, dict):
            raise ValidationFailed(f'{KIND} "{name}" is invalid: spec.clusterSpec: must be a map')
        shared = effective.get("type") == "SHARED"
        running = shared and effective.get("state", "RUNNING") == "RUNNING"
        cluster_id = cluster_name(name)
        current = await records.find(self.ctx.fko, FLINK_DEPLOYMENT.kind, namespace, cluster_id)
        if current is not None and not owned_by(current, existing):
            raise Conflict(
                f'FlinkDeployment "{cluster_id}" already exists in namespace "{namespace}" and '
                "does not belong to this compute pool"
            )
        labels_of_cluster = {kinds.POOL_LABEL: name}
        what = f'{KIND} "{name}"'
        candidate = cluster_for(draft, KIND, env, cluster_id, cluster_spec, labels_of_cluster)
        await admit_cluster(self.ctx, candidate, current, what)
        now = self.ctx.now()
        if existing is None:
            pool = await records.create(self.ctx.cmf, draft_without_uid(draft), now, KIND)
        else:
            pool = await records.replace(
                self.ctx.cmf, existing, spec, now, labels=labels, annotations=notes
            )
        written = await self._write_cluster(env, pool, cluster_spec, current, running)
        return render(pool, written)

    async def _write_cluster(
        self,
        env: Obj,
        pool: Obj,
        cluster_spec: dict[str, Any],
        current: Obj | None,
        running: bool,
    ) -> Obj | None:
        name = pool["metadata"]["name"]
        if not running:
            if current is not None:
                await records.delete_quietly(self.ctx.fko, current)
            return None
        obj = cluster_for(
            pool, KIND, env, cluster_name(name), cluster_spec, {kinds.POOL_LABEL: name}
        )
        if current is None:
            created: Obj = await self.ctx.fko.create(normalize(obj))
            return created
        obj["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if "finalizers" in current["metadata"]:
            obj["metadata"]["finalizers"] = current["metadata"]["finalizers"]
        updated: Obj = await self.ctx.fko.update(normalize(obj))
        return updated


def draft_without_uid(draft: Obj) -> Obj:
    result = copy.deepcopy(draft)
    result["metadata"].pop("uid", None)
    return result


def render(pool: Obj, cluster: Obj | None) -> dict[str, Any]:
    spec = pool["spec"]
    if spec.get("type") == "DEDICATED":
        phase, message = "DEDICATED", "each statement gets a cluster of its own"
    elif spec.get("state") == "SUSPENDED":
        phase, message = "SUSPENDED", None
    else:
        phase, message = cluster_phase(cluster)
    status: dict[str, Any] = {"phase": phase}
    if message:
        status["message"] = message
    return {
        "apiVersion": CMF_API_VERSION,
        "kind": KIND,
        "metadata": records.metadata_view(pool).to_wire(),
        "spec": spec,
        "status": status,
    }


def _parsed(body: Any) -> tuple[dict[str, Any], str, dict[str, str], dict[str, str]]:
    parsed = requests.parse(ComputePoolRequest, body)
    requests.check_kind(parsed.kind, KIND)
    name = names.check_name(parsed.metadata.get("name"))
    labels = requests.check_string_map(parsed.metadata.get("labels"), "metadata.labels")
    notes = requests.check_string_map(parsed.metadata.get("annotations"), "metadata.annotations")
    spec = {key: value for key, value in body["spec"].items() if value is not None}
    return spec, name, labels, notes
