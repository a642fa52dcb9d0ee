"""Writes of Kubernetes-shaped objects (FKO kinds, ConfigMaps, Secrets), as the API makes them.

The rules every entry point shares: the object is checked against the namespace
and name it is written to, mutated and admitted as FKO's webhook would, and
written with the store's optimistic concurrency. The FKO API
(`scurry.server.resources`) and the dashboard (`scurry.web`) both write here.
"""

from __future__ import annotations

import copy
from typing import Any

from scurry.bootstrap import Container
from scurry.errors import InvalidInput, NotFound, ValidationFailed
from scurry.models import corev1
from scurry.models.manifest import check_namespace, normalize
from scurry.models.resources import KindInfo
from scurry.ports import Obj
from scurry.services.admission import admit, mutate
from scurry.store import apierrors


def checked(doc: Obj, info: KindInfo, namespace: str, name: str | None) -> Obj:
    """`doc` normalized as an object of `info` in `namespace` (named `name`, if given)."""
    check_namespace(namespace)
    doc.setdefault("apiVersion", info.api_version)
    doc.setdefault("kind", info.kind)
    meta = doc.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise InvalidInput("metadata: must be a map")
    if meta.get("namespace") not in (None, namespace):
        raise InvalidInput(
            f"metadata.namespace: {meta['namespace']!r} does not match the namespace in the URL "
            f"({namespace!r})"
        )
    meta["namespace"] = namespace
    if name is not None:
        if meta.get("name") not in (None, name):
            raise InvalidInput(
                f"metadata.name: {meta['name']!r} does not match the name in the URL ({name!r})"
            )
        meta["name"] = name
    obj = normalize(doc)
    if obj["kind"] != info.kind:
        raise InvalidInput(f"kind: {obj['kind']} cannot be written to {info.plural}")
    for key in ("resourceVersion", "finalizers", "labels", "annotations", "ownerReferences"):
        if key in meta and key not in obj["metadata"]:
            obj["metadata"][key] = meta[key]
    return obj


async def admitted(container: Container, obj: Obj, existing: Obj | None) -> None:
    """FKO's mutation, then its validation when the installation enforces it."""
    mutate(obj)
    if container.settings.admission_validation:
        await admit(obj, existing, container.store, container.runtime, container.control)


async def create(container: Container, obj: Obj) -> Obj:
    """Admit and store a new object (a checked one: see `checked`)."""
    obj["metadata"].pop("resourceVersion", None)
    await admitted(container, obj, None)
    created: Obj = await container.store.create(obj)
    return created


async def check_absent(container: Container, obj: Obj) -> None:
    """Raise as `create` would when the name is taken."""
    kind, meta = obj["kind"], obj["metadata"]
    if not meta.get("name"):
        return
    try:
        await container.store.get(kind, meta["namespace"], meta["name"])
    except NotFound:
        return
    raise apierrors.already_exists(kind, meta["name"])


async def admit_update(container: Container, obj: Obj, existing: Obj) -> None:
    """Raise unless `obj` may replace `existing` (immutable fields, admission)."""
    immutable = corev1.update_error(existing, obj)
    if immutable:
        raise ValidationFailed(immutable)
    await admitted(container, obj, existing)


async def update(container: Container, obj: Obj, existing: Obj) -> Obj:
    await admit_update(container, obj, existing)
    updated: Obj = await container.store.update(obj)
    return updated


async def patch_spec(
    container: Container, info: KindInfo, namespace: str, name: str, patch: Obj
) -> Obj:
    """A JSON merge patch of the stored object's metadata and spec, admitted and written."""
    existing = await container.store.get(info.kind, namespace, name)
    merged = merged_object(existing, patch)
    return await update(container, checked(merged, info, namespace, name), existing)


def merged_object(existing: Obj, patch: Obj) -> Obj:
    """`patch` over `existing` without its status, at the patch's resourceVersion if it has one."""
    merged = merge_patch({k: v for k, v in existing.items() if k != "status"}, patch)
    merged.setdefault("metadata", {})["resourceVersion"] = (patch.get("metadata") or {}).get(
        "resourceVersion"
    ) or existing["metadata"]["resourceVersion"]
    result: Obj = merged
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: null removes a key, maps merge, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
