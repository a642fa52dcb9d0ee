"""The Kubernetes-style API for FKO kinds: /apis/flink.apache.org/v1beta1/...

Create, get, list, watch, replace, merge-patch, delete, the status
subresource and job logs (followed, too), with Kubernetes' conventions: a
stale resourceVersion is a 409, a `List` answers a collection, status is
never written through the main object, `dryRun=All` answers what would be
stored without storing it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from scurry.errors import InvalidInput, NotFound
from scurry.models.cluster import ClusterRef
from scurry.models.manifest import kind_by_name, parse_documents
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_GROUP, FLINK_VERSION, KINDS, KindInfo
from scurry.server import dryrun, logfollow
from scurry.server.deps import ContainerDep
from scurry.server.dryrun import DryRun
from scurry.server.logfollow import LogTarget
from scurry.server.selection import selection
from scurry.server.watch import watch_options, watch_response
from scurry.services import objects

PREFIX = f"/apis/{FLINK_GROUP}/{FLINK_VERSION}"
CORE_PREFIX = "/api/v1"
UNSUPPORTED_PATCHES = ("application/json-patch+json", "application/strategic-merge-patch+json")
router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


def kind_of(request: Request, plural: str) -> KindInfo:
    """The kind a URL names: its plural, in the API group of the URL's prefix.

    The same routes serve the core group (`/api/v1`, see `scurry.server.core_objects`)
    and flink.apache.org (`/apis/flink.apache.org/v1beta1`).
    """
    info = kind_by_name(plural)
    if plural != info.plural:
        raise InvalidInput(f"unknown resource {plural!r}: use {info.plural}")
    group = "" if request.url.path.startswith(f"{CORE_PREFIX}/") else FLINK_GROUP
    if info.group != group:
        raise NotFound(
            f"the server could not find the requested resource: {plural} are served "
            f"under {CORE_PREFIX if info.group == '' else PREFIX}"
        )
    return info


KindDep = Annotated[KindInfo, Depends(kind_of)]


class UnsupportedMediaType(InvalidInput):
    http_status = 415


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
            if info.group == FLINK_GROUP
        ],
    }


class CollectionQuery(BaseModel):
    """A list's or a watch's query parameters, by their Kubernetes names."""

    watch: bool = False
    label_selector: str | None = Field(None, alias="labelSelector")
    field_selector: str | None = Field(None, alias="fieldSelector")
    resource_version: str | None = Field(None, alias="resourceVersion")
    allow_watch_bookmarks: bool = Field(False, alias="allowWatchBookmarks")
    send_initial_events: bool | None = Field(None, alias="sendInitialEvents")
    timeout_seconds: int | None = Field(None, alias="timeoutSeconds", ge=0)


CollectionDep = Annotated[CollectionQuery, Query()]


@router.get("/{plural}", response_model=None)
async def list_all(
    info: KindDep, container: ContainerDep, query: CollectionDep
) -> dict[str, Any] | Response:
    return await _collection(info, container, None, query)


@router.get("/namespaces/{namespace}/{plural}", response_model=None)
async def list_namespaced(
    namespace: str, info: KindDep, container: ContainerDep, query: CollectionDep
) -> dict[str, Any] | Response:
    return await _collection(info, container, namespace, query)


async def _collection(
    info: KindInfo, container: ContainerDep, namespace: str | None, query: CollectionQuery
) -> dict[str, Any] | Response:
    """A `List`, or with `watch=true` the stream of its changes (see `scurry.server.watch`)."""
    chosen = selection(namespace, query.label_selector, query.field_selector)
    if query.watch:
        options = watch_options(
            chosen,
            resource_version=query.resource_version,
            send_initial_events=query.send_initial_events,
            allow_watch_bookmarks=query.allow_watch_bookmarks,
            timeout_seconds=query.timeout_seconds,
        )
        return watch_response(container.store, info, options)
    items = await container.store.list(info.kind, namespace, query.label_selector)
    return as_list(info, [obj for obj in items if chosen.matches(obj)])


@router.post("/namespaces/{namespace}/{plural}", status_code=201)
async def create(
    namespace: str, info: KindDep, request: Request, container: ContainerDep, dry_run: DryRun
) -> dict[str, Any]:
    obj = objects.checked(await read_body(request), info, namespace, None)
    if dry_run:
        obj["metadata"].pop("resourceVersion", None)
        await objects.admitted(container, obj, None)
        await objects.check_absent(container, obj)
        return dryrun.created(obj, container.now())
    return await objects.create(container, obj)


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
    dry_run: DryRun,
) -> dict[str, Any]:
    obj = objects.checked(await read_body(request), info, namespace, name)
    existing = await container.store.get(info.kind, namespace, name)
    return await _update(container, obj, existing, dry_run)


async def _update(
    container: ContainerDep, obj: dict[str, Any], existing: dict[str, Any], dry_run: bool
) -> dict[str, Any]:
    if dry_run:
        await objects.admit_update(container, obj, existing)
        return dryrun.updated(existing, obj)
    return await objects.update(container, obj, existing)


@router.patch("/namespaces/{namespace}/{plural}/{name}")
async def patch(
    namespace: str,
    info: KindDep,
    name: str,
    request: Request,
    container: ContainerDep,
    dry_run: DryRun,
) -> dict[str, Any]:
    """JSON merge patch (RFC 7386) of metadata and spec."""
    check_patch_type(request.headers.get("content-type"))
    existing = await container.store.get(info.kind, namespace, name)
    body = await read_body(request)
    obj = objects.checked(objects.merged_object(existing, body), info, namespace, name)
    return await _update(container, obj, existing, dry_run)


def check_patch_type(content_type: str | None) -> None:
    """Merge patches only: JSON patches and strategic merge patches are refused, as for CRs."""
    media = (content_type or "").partition(";")[0].strip().lower()
    if media in UNSUPPORTED_PATCHES:
        raise UnsupportedMediaType(
            f"{media} is not supported: send a JSON merge patch (application/merge-patch+json)"
        )


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


@router.get("/namespaces/{namespace}/{plural}/{name}/log", response_model=None)
async def logs(
    namespace: str,
    info: KindDep,
    name: str,
    container: ContainerDep,
    component: str = "jobmanager",
    index: int = 0,
    tail_lines: Annotated[int | None, Query(alias="tailLines", ge=0)] = None,
    follow: bool = False,
) -> Response:
    """The log as text; with `follow=true`, a stream that goes on as the log grows."""
    if info is not FLINK_DEPLOYMENT:
        raise InvalidInput(f"logs are served for {FLINK_DEPLOYMENT.plural} only")
    if component not in ("jobmanager", "taskmanager"):
        raise InvalidInput("component: must be jobmanager or taskmanager")
    await container.store.get(info.kind, namespace, name)
    ref = ClusterRef(namespace=namespace, name=name)
    if follow:
        target = LogTarget(info.kind, ref, component, index)
        return await logfollow.follow(container.store, container.runtime, target, tail_lines)
    return PlainTextResponse(await container.runtime.logs(ref, component, index, tail_lines))
