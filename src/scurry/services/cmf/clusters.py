"""Kubernetes clusters: the runtime an installation runs Flink on, reported as one cluster.

The local runtime is one "cluster" (its name is the runtime's). Its record is
created the first time it is asked for; labels, annotations and the
lifecycle state can be changed (PUT), nothing can be created or deleted.
A cluster in use by an environment cannot be decommissioned.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import Conflict, InvalidInput, NotFound
from scurry.models.cmf import (
    KubernetesCluster,
    KubernetesClusterRequest,
    KubernetesClusterSpec,
    KubernetesClusterStatus,
)
from scurry.ports import Obj
from scurry.services.cmf import kinds, records, requests
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules

KIND = "KubernetesCluster"
RULES: ListRules = v2_rules()
DECOMMISSIONED = "DECOMMISSIONED"


async def the_cluster(ctx: CmfContext) -> Obj:
    """The runtime's cluster record, created on first use."""
    found = await records.find(ctx.cmf, kinds.KUBERNETES_CLUSTER, kinds.GLOBAL, ctx.cluster_name)
    if found is not None:
        return found
    spec = {"lifecycleState": "ACTIVE"}
    obj = records.record(kinds.KUBERNETES_CLUSTER, kinds.GLOBAL, ctx.cluster_name, spec)
    try:
        return await records.create(ctx.cmf, obj, ctx.now(), KIND)
    except Conflict:  # created by a concurrent request: read what it wrote
        name = ctx.cluster_name
        return await records.get(ctx.cmf, kinds.KUBERNETES_CLUSTER, kinds.GLOBAL, name, KIND)


async def get(ctx: CmfContext, name: str) -> dict[str, Any]:
    return render(await _named(ctx, name), ctx)


async def page(ctx: CmfContext, query: ListQuery) -> dict[str, Any]:
    return page_of([render(await the_cluster(ctx), ctx)], query, RULES)


async def update(ctx: CmfContext, name: str, body: Any) -> dict[str, Any]:
    stored = await _named(ctx, name)
    parsed = requests.parse(KubernetesClusterRequest, body)
    requests.check_kind(parsed.kind, KIND)
    requests.check_same_name(name, parsed.metadata.name)
    meta = stored["metadata"]
    given = parsed.metadata
    labels = meta.get("labels") if given.labels is None else given.labels
    annotations = meta.get("annotations") if given.annotations is None else given.annotations
    state = parsed.spec.lifecycle_state or stored["spec"].get("lifecycleState", "ACTIVE")
    if state == DECOMMISSIONED and stored["spec"].get("lifecycleState") != DECOMMISSIONED:
        users = await environments_on(ctx, name)
        if users:
            raise InvalidInput(
                f'spec.lifecycleState: cannot decommission cluster "{name}" because it is in use '
                f"by environments: {', '.join(users)}"
            )
    spec = {**stored["spec"], "lifecycleState": state}
    written = await records.replace(
        ctx.cmf, stored, spec, ctx.now(), labels=labels, annotations=annotations
    )
    return render(written, ctx)


async def environments_on(ctx: CmfContext, name: str) -> list[str]:
    """Environments deployed to cluster `name` (those naming no cluster run on the only one)."""
    envs = await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL)
    return sorted(
        e["metadata"]["name"]
        for e in envs
        if (e["spec"].get("kubernetesClusterName") or ctx.cluster_name) == name
    )


async def check_usable(ctx: CmfContext, name: str | None, field: str) -> None:
    """An environment may name only an existing, active cluster."""
    if name is not None and name != ctx.cluster_name:
        raise InvalidInput(f"{field}: Environment's kubernetesClusterName '{name}' does not exist.")
    cluster = await the_cluster(ctx)
    if cluster["spec"].get("lifecycleState") == DECOMMISSIONED:
        raise InvalidInput(f"{field}: cluster '{ctx.cluster_name}' is decommissioned")


def status_of(stored: Obj, ctx: CmfContext) -> KubernetesClusterStatus:
    decommissioned = stored["spec"].get("lifecycleState") == DECOMMISSIONED
    return KubernetesClusterStatus(
        state=DECOMMISSIONED if decommissioned else "CONNECTED",
        message=f"the {ctx.runtime.name} runtime of this installation",
        last_heartbeat_timestamp=records.stamp(ctx.now()),
    )


def render(stored: Obj, ctx: CmfContext) -> dict[str, Any]:
    return KubernetesCluster(
        metadata=records.metadata_view(stored),
        spec=KubernetesClusterSpec.model_validate(stored["spec"]),
        status=status_of(stored, ctx),
    ).to_wire()


async def _named(ctx: CmfContext, name: str) -> Obj:
    if name != ctx.cluster_name:
        raise NotFound(f'KubernetesCluster "{name}" not found')
    return await the_cluster(ctx)
