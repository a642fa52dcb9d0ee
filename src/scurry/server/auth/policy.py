"""From what a request touches (`Access`) to the roles it needs (`Requirement`s).

Paths name environments directly; a namespace is governed by the environment(s)
placed in it (a namespace shared by two environments needs the role in both, as
an action there touches both), and by cluster roles alone when none is. Two
writes are judged on their body: an environment upsert (updating an existing
environment in place is its admin's; creating one, or moving one to another
namespace or cluster, is a cluster admin's) and a plan (a read of every
namespace its manifests name).
"""

from __future__ import annotations

from typing import Any

import yaml

from scurry.errors import InvalidInput
from scurry.models.manifest import DEFAULT_NAMESPACE, parse_documents
from scurry.server.auth.classify import Access
from scurry.server.auth.environments import EnvironmentIndex
from scurry.server.auth.rbac import Level, Requirement

PLACEMENT = ("kubernetesNamespace", "kubernetesClusterName")


async def requirements(
    access: Access, index: EnvironmentIndex, body: bytes | None = None
) -> list[Requirement]:
    """Every requirement the request must meet (all of them)."""
    if access.scope == "anyone":
        return [Requirement(access.level, access.what, anyone=True)]
    if access.scope == "cluster":
        return [Requirement(access.level, access.what, cluster=True)]
    if access.scope == "environment":
        where = f'{access.what} in environment "{access.target}"'
        return [Requirement(access.level, where, frozenset({access.target}))]
    if access.scope == "namespace":
        return [await in_namespace(index, access.level, access.what, access.target)]
    if access.scope == "environment-upsert":
        return [await environment_upsert(index, parse_one(body))]
    if access.scope == "plan":
        namespaces = sorted(plan_namespaces(body))
        return [await in_namespace(index, "read", "plans", ns) for ns in namespaces] or [
            Requirement("read", "plans", cluster=True)
        ]
    if access.scope == "public":
        return []
    raise ValueError(f"no policy for requests of scope {access.scope!r}")


async def in_namespace(
    index: EnvironmentIndex, level: Level, what: str, namespace: str
) -> Requirement:
    environments = await index.of_namespace(namespace)
    if not environments:
        where = f'{what} in namespace "{namespace}", which no environment is placed in'
        return Requirement(level, where, cluster=True)
    return Requirement(level, f'{what} in namespace "{namespace}"', environments)


async def environment_upsert(index: EnvironmentIndex, body: object) -> Requirement:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        return Requirement("manage", "environments", cluster=True)
    name: str = body["name"]
    stored = await index.get(name)
    if stored is None:
        return Requirement("manage", f'environments (creating "{name}")', cluster=True)
    spec: dict[str, Any] = stored.get("spec") or {}
    moved = [key for key in PLACEMENT if key in body and body[key] != spec.get(key)]
    if moved:
        what = f'environments (changing {", ".join(moved)} of "{name}")'
        return Requirement("manage", what, cluster=True)
    return Requirement("manage", f'environment "{name}"', frozenset({name}))


def parse_one(body: bytes | None) -> object:
    """The body as one YAML/JSON document, or None when it is not one."""
    try:
        return yaml.safe_load(body or b"")
    except yaml.YAMLError:
        return None


def plan_namespaces(body: bytes | None) -> set[str]:
    """The namespaces the manifests of a plan name, parsed as the plan parses them."""
    try:
        documents = parse_documents((body or b"").decode("utf-8", errors="replace"))
    except InvalidInput:
        return set()
    found: set[str] = set()
    for document in documents:
        meta = document.get("metadata") if isinstance(document, dict) else None
        namespace = meta.get("namespace") if isinstance(meta, dict) else None
        found.add(namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE)
    return found
