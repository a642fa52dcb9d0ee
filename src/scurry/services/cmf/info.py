"""System and resource information: what this installation is and what it holds."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import scurry
from scurry.models.cmf import (
    ResourceCounts,
    ResourceInformation,
    ResourceInformationStatus,
    ResourceSummary,
    SystemInformation,
    SystemInformationStatus,
)
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_STATE_SNAPSHOT
from scurry.ports import Obj
from scurry.services.cmf import clusters, kinds, usage
from scurry.services.cmf.applications import Applications, app_state
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.restore import is_savepoint_of


def system(ctx: CmfContext) -> dict[str, Any]:
    status = SystemInformationStatus(version=ctx.version, revision=git_revision())
    return SystemInformation(status=status).to_wire()


async def resources(ctx: CmfContext) -> dict[str, Any]:
    envs = await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL)
    service = Applications(ctx)
    states: Counter[str] = Counter()
    savepoints = 0
    running: list[Obj] = []
    for env in envs:
        apps = await service.rendered(env["metadata"]["name"])
        states.update(app_state(app) for app in apps)
        names = {a["metadata"]["name"] for a in apps}
        namespace = env["spec"]["kubernetesNamespace"]
        snapshots = await ctx.fko.list(FLINK_STATE_SNAPSHOT.kind, namespace)
        savepoints += sum(1 for s in snapshots if any(is_savepoint_of(s, n) for n in names))
        deployments = await ctx.fko.list(FLINK_DEPLOYMENT.kind, namespace)
        running.extend(d for d in deployments if d["metadata"]["name"] in names)
    cluster = clusters.status_of(await clusters.the_cluster(ctx), ctx)
    used = usage.summary(running)
    counts = ResourceCounts(
        environments=len(envs),
        applications=dict(states),
        secrets=len(await ctx.cmf.list(kinds.SECRET, kinds.GLOBAL)),
        savepoints=savepoints,
        detached_savepoints=len(await ctx.cmf.list(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL)),
        catalogs=len(await ctx.cmf.list(kinds.KAFKA_CATALOG, kinds.GLOBAL)),
        compute_pools=len(await ctx.cmf.list(kinds.COMPUTE_POOL, None)),
        statements=dict(Counter(phase_of(s) for s in await ctx.cmf.list(kinds.STATEMENT, None))),
        kubernetes_clusters={cluster.state: 1},
    )
    summary = ResourceSummary(
        cpu=used.job_manager.cpu + used.task_manager.cpu,
        memory=used.job_manager.memory + used.task_manager.memory,
    )
    return ResourceInformation(
        status=ResourceInformationStatus(resources=counts, resource_summary=summary)
    ).to_wire()


def phase_of(statement: Obj) -> str:
    return str((statement.get("status") or {}).get("phase") or "PENDING")


@functools.cache
def git_revision() -> str:
    """The commit of the source tree scurry runs from, read from its .git; else "unknown"."""
    for directory in Path(scurry.__file__).resolve().parents:
        marker = directory / ".git"
        if marker.exists():
            return _head_commit(marker) or "unknown"
    return "unknown"


def _head_commit(marker: Path) -> str | None:
    try:
        git_dir = marker
        if marker.is_file():  # a worktree: "gitdir: <path>"
            git_dir = Path(marker.read_text().split(":", 1)[1].strip())
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head
        ref = head.split(":", 1)[1].strip()
        common = git_dir / "commondir"
        base = (git_dir / common.read_text().strip()).resolve() if common.exists() else git_dir
        for where in (git_dir, base):
            if (where / ref).exists():
                return (where / ref).read_text().strip()
        return _packed(base / "packed-refs", ref)
    except (OSError, IndexError):
        return None


def _packed(packed: Path, ref: str) -> str | None:
    if not packed.exists():
        return None
    for line in packed.read_text().splitlines():
        commit, _, name = line.partition(" ")
        if name == ref:
            return commit
    return None
