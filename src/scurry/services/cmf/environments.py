"""Environments: a Kubernetes namespace for applications, and the defaults they get.

POST creates or updates. `kubernetesNamespace` is required when creating and
cannot change while the environment has applications; on update, a field
left out keeps its value. Deleting an environment that still has
applications is refused (409) unless `force=true`, which deletes the
environment's records only: the FlinkDeployments of its applications keep
running, orphaned, as CMF's force deletion leaves Kubernetes objects behind.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import ValidationError

from scurry.errors import Conflict, InvalidInput
from scurry.models.cmf import (
    Environment,
    EnvironmentMetadata,
    EnvironmentStatus,
    PostEnvironment,
    ResourcesByStatus,
)
from scurry.models.resources import FLINK_DEPLOYMENT
from scurry.models.spec import FlinkDeploymentSpec
from scurry.ports import Obj
from scurry.services.cmf import clusters, instances, kinds, lookup, names, records, requests, usage
from scurry.services.cmf.applications import Applications, app_state
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.filters import Fields
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, path_getter

WHAT = "Environment"
DEFAULTS = ("flinkApplicationDefaults", "computePoolDefaults", "statementDefaults")
_NAME = path_getter("name")
RULES = ListRules(
    fields=Fields(_NAME, path_getter("metadata.labels")),
    sort_keys={
        "name": _NAME,
        "metadata.name": _NAME,
        "kubernetesNamespace": path_getter("kubernetesNamespace"),
        "created_time": path_getter("created_time"),
        "creationTimestamp": path_getter("created_time"),
        "metadata.creationTimestamp": path_getter("created_time"),
        "updated_time": path_getter("updated_time"),
        "updateTimestamp": path_getter("updated_time"),
        "metadata.updateTimestamp": path_getter("updated_time"),
    },
    search_scopes={"name": _NAME, "kubernetesNamespace": path_getter("kubernetesNamespace")},
    always_fields=("name", "kubernetesNamespace", "metadata.name"),
)


class Environments:
    def __init__(self, ctx: CmfContext) -> None:
        self.ctx = ctx

    async def upsert(self, body: Any) -> dict[str, Any]:
        parsed = requests.parse(PostEnvironment, body)
        given_meta = parsed.metadata or EnvironmentMetadata()
        name = names.check_name(_name_of(parsed), "name")
        existing = await records.find(self.ctx.cmf, kinds.ENVIRONMENT, kinds.GLOBAL, name)
        spec = await self._spec(parsed, body, existing)
        before = (existing or {}).get("metadata") or {}
        labels = given_meta.labels if parsed.metadata else before.get("labels")
        annotations = given_meta.annotations if parsed.metadata else before.get("annotations")
        now = self.ctx.now()
        if existing is None:
            obj = records.record(
                kinds.ENVIRONMENT, kinds.GLOBAL, name, spec, labels=labels, annotations=annotations
            )
            written = await records.create(self.ctx.cmf, obj, now, WHAT)
        else:
            written = await records.replace(
                self.ctx.cmf, existing, spec, now, labels=labels, annotations=annotations
            )
        return render(written)

    async def _spec(
        self, parsed: PostEnvironment, body: dict[str, Any], existing: Obj | None
    ) -> dict[str, Any]:
        """The stored spec: what the body gives, the rest kept from `existing`."""
        spec: dict[str, Any] = dict((existing or {}).get("spec") or {})
        namespace = parsed.kubernetes_namespace
        if namespace is None and existing is None:
            raise InvalidInput("kubernetesNamespace: required field is missing")
        if namespace is not None:
            names.check_namespace(namespace)
            if existing is not None and namespace != spec.get("kubernetesNamespace"):
                await self._check_namespace_change(existing, namespace)
            spec["kubernetesNamespace"] = namespace
        if parsed.kubernetes_cluster_name is not None:
            spec["kubernetesClusterName"] = parsed.kubernetes_cluster_name
        await clusters.check_usable(
            self.ctx, spec.get("kubernetesClusterName"), "kubernetesClusterName"
        )
        for key in DEFAULTS:
            if key in body and body[key] is not None:
                spec[key] = body[key]
        _check_application_defaults(spec.get("flinkApplicationDefaults"))
        return spec

    async def _check_namespace_change(self, existing: Obj, namespace: str) -> None:
        env = existing["metadata"]["name"]
        apps = sorted(a["metadata"]["name"] for a in await lookup.applications(self.ctx, env))
        if apps:
            before = existing["spec"]["kubernetesNamespace"]
            raise InvalidInput(
                f"kubernetesNamespace: cannot change from {before!r} to {namespace!r} while the "
                f"environment has applications ({', '.join(apps)})"
            )

    async def get(self, name: str, *, include_resources: bool = False) -> dict[str, Any]:
        env = await lookup.environment(self.ctx, name)
        status = await self._status(env) if include_resources else None
        return render(env, secrets=await self._secrets(name), status=status)

    async def page(self, query: ListQuery, *, include_resources: bool = False) -> dict[str, Any]:
        envs = await self.ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL)
        items = [
            render(env, status=await self._status(env) if include_resources else None)
            for env in envs
        ]
        return page_of(items, query, RULES)

    async def delete(self, name: str, *, force: bool = False) -> None:
        await lookup.environment(self.ctx, name)
        apps = await lookup.applications(self.ctx, name)
        if apps and not force:
            listed = ", ".join(sorted(a["metadata"]["name"] for a in apps))
            raise Conflict(
                f'Environment "{name}" still has {len(apps)} application(s) ({listed}): delete '
                "them first, or delete with force=true to remove the environment's records only "
                "(their FlinkDeployments then keep running)"
            )
        for app in apps:
            await instances.delete_all(self.ctx, app)
            await records.delete_quietly(self.ctx.cmf, app)
        for mapping in await self.ctx.cmf.list(kinds.SECRET_MAPPING, name):
            await records.delete_quietly(self.ctx.cmf, mapping)
        await self.ctx.cmf.delete(kinds.ENVIRONMENT, kinds.GLOBAL, name)

    async def _secrets(self, name: str) -> dict[str, str]:
        mappings = await self.ctx.cmf.list(kinds.SECRET_MAPPING, name)
        return {m["metadata"]["name"]: m["spec"]["secretName"] for m in mappings}

    async def _status(self, env: Obj) -> EnvironmentStatus:
        apps = await Applications(self.ctx).rendered(env["metadata"]["name"])
        deployments = await self.ctx.fko.list(FLINK_DEPLOYMENT.kind, lookup.namespace_of(env))
        owned = {a["metadata"]["name"] for a in apps}
        mine = [d for d in deployments if d["metadata"]["name"] in owned]
        cluster = await clusters.the_cluster(self.ctx)
        return EnvironmentStatus(
            resources=ResourcesByStatus(applications=dict(Counter(app_state(a) for a in apps))),
            resource_summary=usage.summary(mine),
            kubernetes_cluster=clusters.status_of(cluster, self.ctx),
        )


def render(
    env: Obj, *, secrets: dict[str, str] | None = None, status: EnvironmentStatus | None = None
) -> dict[str, Any]:
    meta, spec = env["metadata"], env["spec"]
    updated = records.updated_at(env)
    model = Environment(
        name=meta["name"],
        metadata=EnvironmentMetadata(
            name=meta["name"],
            creation_timestamp=meta.get("creationTimestamp"),
            update_timestamp=updated,
            labels=meta.get("labels") or None,
            annotations=meta.get("annotations") or None,
        ),
        created_time=meta.get("creationTimestamp"),
        updated_time=updated,
        kubernetes_namespace=spec["kubernetesNamespace"],
        kubernetes_cluster_name=spec.get("kubernetesClusterName"),
        flink_application_defaults=spec.get("flinkApplicationDefaults"),
        compute_pool_defaults=spec.get("computePoolDefaults"),
        statement_defaults=spec.get("statementDefaults"),
        secrets=secrets,
        status=status,
    )
    return model.to_wire()


def _name_of(parsed: PostEnvironment) -> str | None:
    top, meta = parsed.name, parsed.metadata.name if parsed.metadata else None
    if top and meta and top != meta:
        raise InvalidInput(f"metadata.name: {meta!r} does not match name {top!r}")
    return top or meta


def _check_application_defaults(defaults: dict[str, Any] | None) -> None:
    """The defaults must be what an application could say: metadata and a partial spec."""
    if defaults is None:
        return
    for key in ("metadata", "spec"):
        if defaults.get(key) is not None and not isinstance(defaults[key], dict):
            raise InvalidInput(f"flinkApplicationDefaults.{key}: must be an object")
    meta = defaults.get("metadata") or {}
    for key in ("labels", "annotations"):
        requests.check_string_map(meta.get(key), f"flinkApplicationDefaults.metadata.{key}")
    try:
        FlinkDeploymentSpec.model_validate(defaults.get("spec") or {})
    except ValidationError as exc:
        raise InvalidInput(f"flinkApplicationDefaults.spec: {requests.describe(exc)}") from None
