"""The Kubernetes-style API for FKO kinds: /apis/flink.apache.org/v1beta1/...

Create, get, list, replace, merge-patch, delete, the status subresource and
job logs, with Kubernetes' conventions: a stale resourceVersion is a 409, a
`List` answers a collection, status is never written through the main object.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from scurry.errors import InvalidInput
from scurry.models.cluster import ClusterRef
from scurry.models.manifest import check_namespace, kind_by_name, normalize, parse_documents
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_GROUP, FLINK_VERSION, KINDS, KindInfo
from scurry.server.admission import admit, mutate
from scurry.server.deps import ContainerDep

PREFIX = f"/apis/{FLINK_GROUP}/{FLINK_VERSION}"
router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


def kind_of(plural: str) -> KindInfo:
    info = kind_by_name(plural)
    if plural != info.plural:
        raise InvalidInput(f"unknown resource {plural!r}: use {info.plural}")
    return info


KindDep = Annotated[KindInfo, Depends(kind_of)]


async def read_body(request: Request) -> dict[str, Any]:
    text = (await request.body()).decode("utf-8", errors="replace")
    docs = parse_documents(text, "request body")
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise InvalidInput("request body must be exactly one object")
    doc: dict[str, Any] = docs[0]
    return doc


def as_list(info: KindInfo, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}


@router.get("")
async def discovery() -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "groupVersion": f"{FLINK_GROUP}/{FLINK_VERSION}",
        "resources": [
            {
                "name": info.plural,
                "singularName": info.singular,
                "namespaced": True,
                "kind": info.kind,
                "shortNames": list(info.short_names),
            }
            for info in KINDS
        ],
    }


@router.get("/{plural}")
async def list_all(
    info: KindDep,
    container: ContainerDep,
    label_selector: Annotated[str | None, Query(alias="labelSelector")] = None,
) -> dict[str, Any]:
    return as_list(info, await container.store.list(info.kind, None, label_selector))


@router.get("/namespaces/{namespace}/{plural}")
async def list_namespaced(
    namespace: str,
    info: KindDep,
    container: ContainerDep,
    label_selector: Annotated[str | None, Query(alias="labelSelector")] = None,
) -> dict[str, Any]:
    return as_list(info, await container.store.list(info.kind, namespace, label_selector))


def _checked(
    doc: dict[str, Any], info: KindInfo, namespace: str, name: str | None
) -> dict[str, Any]:
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


async def _admit(
    container: ContainerDep, obj: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    mutate(obj)
    if container.settings.admission_validation:
        await admit(obj, existing, container.store, container.runtime, container.control)


@router.post("/namespaces/{namespace}/{plural}", status_code=201)
async def create(
    namespace: str,
    info: KindDep,
    request: Request,
    container: ContainerDep,
    dry_run: Annotated[str | None, Query(alias="dryRun")] = None,
) -> dict[str, Any]:
    obj = _checked(await read_body(request), info, namespace, None)
    obj["metadata"].pop("resourceVersion", None)
    await _admit(container, obj, None)
    if dry_run:
        return obj
    created: dict[str, Any] = await container.store.create(obj)
    return created


@router.get("/namespaces/{namespace}/{plural}/{name}")
async def get(namespace: str, info: KindDep, name: str, container: ContainerDep) -> dict[str, Any]:
    obj: dict[str, Any] = await container.store.get(info.kind, namespace, name)
    return obj


@router.put("/namespaces/{namespace}/{plural}/{name}")
async def replace(
    namespace: str,
    info: KindDep,
    name: str,
    request: Request,
    container: ContainerDep,
    dry_run: Annotated[str | None, Query(alias="dryRun")] = None,
) -> dict[str, Any]:
    obj = _checked(await read_body(request), info, namespace, name)
    existing = await container.store.get(info.kind, namespace, name)
    return await _update(container, obj, existing, dry_run)


async def _update(
    container: ContainerDep, obj: dict[str, Any], existing: dict[str, Any], dry_run: str | None
) -> dict[str, Any]:
    await _admit(container, obj, existing)
    if dry_run:
        return obj
    updated: dict[str, Any] = await container.store.update(obj)
    return updated


@router.patch("/namespaces/{namespace}/{plural}/{name}")
async def patch(
    namespace: str,
    info: KindDep,
    name: str,
    request: Request,
    container: ContainerDep,
    dry_run: Annotated[str | None, Query(alias="dryRun")] = None,
) -> dict[str, Any]:
    """JSON merge patch (RFC 7386) of metadata and spec."""
    existing = await container.store.get(info.kind, namespace, name)
    body = await read_body(request)
    merged = merge_patch({k: v for k, v in existing.items() if k != "status"}, body)
    merged.setdefault("metadata", {})["resourceVersion"] = (
        body.get("metadata", {}).get("resourceVersion") or existing["metadata"]["resourceVersion"]
    )
    obj = _checked(merged, info, namespace, name)
    return await _update(container, obj, existing, dry_run)


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@router.delete("/namespaces/{namespace}/{plural}/{name}")
async def delete(
    namespace: str, info: KindDep, name: str, container: ContainerDep
) -> dict[str, Any]:
    remaining = await container.store.delete(info.kind, namespace, name)
    if remaining is not None:
        return remaining
    return {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Success",
        "details": {"name": name, "kind": info.plural},
    }


@router.get("/namespaces/{namespace}/{plural}/{name}/status")
async def get_status(
    namespace: str, info: KindDep, name: str, container: ContainerDep
) -> dict[str, Any]:
    obj: dict[str, Any] = await container.store.get(info.kind, namespace, name)
    return obj


@router.put("/namespaces/{namespace}/{plural}/{name}/status")
async def replace_status(
    namespace: str, info: KindDep, name: str, request: Request, container: ContainerDep
) -> dict[str, Any]:
    body = await read_body(request)
    existing = await container.store.get(info.kind, namespace, name)
    status = body.get("status")
    if not isinstance(status, dict):
        raise InvalidInput("status: must be a map")
    rv = body.get("metadata", {}).get("resourceVersion") or existing["metadata"]["resourceVersion"]
    request_obj = {
        **existing,
        "status": status,
        "metadata": {**existing["metadata"], "resourceVersion": rv},
    }
    updated: dict[str, Any] = await container.store.update_status(request_obj)
    return updated


@router.get("/namespaces/{namespace}/{plural}/{name}/log", response_class=PlainTextResponse)
async def logs(
    namespace: str,
    info: KindDep,
    name: str,
    container: ContainerDep,
    component: str = "jobmanager",
    index: int = 0,
    tail_lines: Annotated[int | None, Query(alias="tailLines", ge=0)] = None,
) -> str:
    if info is not FLINK_DEPLOYMENT:
        raise InvalidInput(f"logs are served for {FLINK_DEPLOYMENT.plural} only")
    if component not in ("jobmanager", "taskmanager"):
        raise InvalidInput("component: must be jobmanager or taskmanager")
    await container.store.get(info.kind, namespace, name)
    ref = ClusterRef(namespace=namespace, name=name)
    return await container.runtime.logs(ref, component, index, tail_lines)
