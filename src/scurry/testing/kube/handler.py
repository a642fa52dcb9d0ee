"""kmock's Kubernetes emulator with the API server's object semantics put in front.

kmock serves HTTP, API discovery (`/api`, `/apis`, `/apis/G/V`, `/version`) and
unknown endpoints; every request for a declared resource is answered here, by
`ApiServer`, which adds what kmock 0.8 lacks: PUT, the status subresource,
resourceVersion preconditions (409), 201 on create, 422 for a failed JSON
patch `test`, label selectors, watches that resume from a resourceVersion (410
when too old) and end after `timeoutSeconds`, and `/api/v1/namespaces`, which
kmock's path parser cannot read. Paths may end with `/`, as the client's
discovery calls send them.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import aiohttp.web
import attrs
import kmock
import yaml

from scurry.testing.kube.apiserver import APPLY_PATCH, ApiError, ApiServer, WatchQuery, selector_of
from scurry.testing.kube.resources import ApiResource

_VERBS = {"create", "delete", "get", "list", "patch", "update", "watch"}


@dataclass(frozen=True)
class Route:
    group: str
    version: str
    plural: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def parse_route(path: str) -> Route | None:
    """The resource a path names, or None for anything else (discovery, unknown)."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    name = rest[1] if len(rest) > 1 else None
    subresource = "/".join(rest[2:]) or None
    return Route(group, version, rest[0], namespace, name, subresource)


@attrs.define(kw_only=True)
class KubeHandler(kmock.KubernetesEmulator):
    api: ApiServer = attrs.field(factory=ApiServer)
    # (method, path, query) of every request answered from `api`, for assertions.
    calls: list[tuple[str, str, dict[str, str]]] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for resource in self.api.resources.values():
            self.publish(resource)

    def publish(self, resource: ApiResource) -> None:
        """Declare `resource` to the server and to API discovery."""
        self.api.declare(resource)
        key = kmock.resource(group=resource.group, version=resource.version, plural=resource.plural)
        self.resources[key] = kmock.ResourceInfo(
            kind=resource.kind,
            singular=resource.kind.lower(),
            namespaced=resource.namespaced,
            verbs=_VERBS,
            subresources={"status"} if resource.status else set(),
        )

    async def __call__(self, raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        await raw.read()
        path = raw.path.rstrip("/") or "/"
        route = parse_route(path)
        if route is None or (route.group, route.version, route.plural) not in self.api.resources:
            if path != raw.path:
                raw = raw.clone(rel_url=raw.rel_url.with_path(path).with_query(raw.query))
            return await super().__call__(raw)
        self.calls.append((raw.method, path, dict(raw.query)))
        try:
            return await self._serve(route, raw)
        except ApiError as exc:
            return aiohttp.web.json_response(exc.status(), status=exc.code)

    async def _serve(
        self, route: Route, raw: aiohttp.web.BaseRequest
    ) -> aiohttp.web.StreamResponse:
        res = self.api.resource(route.group, route.version, route.plural)
        if route.subresource not in (None, "status") or (route.subresource and not res.status):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        method, query, status = raw.method, raw.query, route.subresource == "status"
        dry_run = query.get("dryRun") == "All"
        if route.name is None:
            if method == "GET" and query.get("watch", "").lower() in ("true", "1"):
                return await self._watch(raw, res, _watch_query(route, query))
            if method == "GET":
                return _json(self.api.list(res, _watch_query(route, query)))
            if method == "POST":
                body = await _body(raw)
                return _json(self.api.create(res, route.namespace, body, dry_run), 201)
        elif method == "GET":
            return _json(self.api.get(res, route.namespace, route.name))
        elif method == "PUT":
            body = await _body(raw)
            replaced = self.api.replace(
                res, route.namespace, route.name, body, status=status, dry_run=dry_run
            )
            return _json(replaced)
        elif method == "PATCH":
            body = await _body(raw)
            code, patched = self.api.patch(
                res,
                route.namespace,
                route.name,
                body,
                raw.content_type,
                status=status,
                dry_run=dry_run,
            )
            return _json(patched, code)
        elif method == "DELETE":
            options = await _body(raw)
            return _json(self.api.delete(res, route.namespace, route.name, options))
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on {raw.path}")

    async def _watch(
        self, raw: aiohttp.web.BaseRequest, res: ApiResource, query: WatchQuery
    ) -> aiohttp.web.StreamResponse:
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(raw)
        with contextlib.suppress(ConnectionError):  # the client went away
            async for event in self.api.watch(res, query):
                await response.write(json.dumps(event).encode() + b"\n")
            await response.write_eof()
        return response


def _watch_query(route: Route, query: Any) -> WatchQuery:
    name = None
    for term in filter(None, (query.get("fieldSelector") or "").split(",")):
        key, _, value = term.partition("=")
        if key == "metadata.name":
            name = value.lstrip("=")
        elif key != "metadata.namespace":
            raise ApiError(400, "BadRequest", f'"{key}" is not a known field selector')
    timeout = query.get("timeoutSeconds")
    return WatchQuery(
        namespace=route.namespace,
        resource_version=query.get("resourceVersion"),
        selector=selector_of(query.get("labelSelector")),
        name=name,
        timeout=float(timeout) if timeout else None,
    )


async def _body(raw: aiohttp.web.BaseRequest) -> Any:
    text = (await raw.read()).decode()
    if not text.strip():
        return None
    try:
        if raw.content_type == APPLY_PATCH:
            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ApiError(400, "BadRequest", f"the body does not parse: {exc}") from None


def _json(obj: Any, status: int = 200) -> aiohttp.web.Response:
    return aiohttp.web.json_response(obj, status=status)
