"""The few core-API endpoints tools expect: events, health, and local administration."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Query

from scurry import __version__
from scurry.errors import InvalidInput
from scurry.server.deps import ContainerDep

router = APIRouter()


def parse_field_selector(selector: str | None) -> dict[str, str]:
    """`involvedObject.name=x,involvedObject.kind=FlinkDeployment` -> a dict."""
    fields: dict[str, str] = {}
    for part in (selector or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in ("involvedObject.name", "involvedObject.kind"):
            raise InvalidInput(
                f"fieldSelector: unsupported term {part!r} (supported: involvedObject.name=, "
                "involvedObject.kind=)"
            )
        fields[key.strip()] = value.lstrip("=").strip()
    return fields


async def _events(
    container: ContainerDep, namespace: str | None, selector: str | None
) -> dict[str, Any]:
    fields = parse_field_selector(selector)
    items = await container.store.list_events(namespace)
    name, kind = fields.get("involvedObject.name"), fields.get("involvedObject.kind")
    items = [
        e
        for e in items
        if (name is None or e["involvedObject"]["name"] == name)
        and (kind is None or e["involvedObject"]["kind"] == kind)
    ]
    return {"apiVersion": "v1", "kind": "EventList", "metadata": {}, "items": items}


@router.get("/api/v1/events")
async def all_events(
    container: ContainerDep,
    field_selector: Annotated[str | None, Query(alias="fieldSelector")] = None,
) -> dict[str, Any]:
    return await _events(container, None, field_selector)


@router.get("/api/v1/namespaces/{namespace}/events")
async def namespaced_events(
    namespace: str,
    container: ContainerDep,
    field_selector: Annotated[str | None, Query(alias="fieldSelector")] = None,
) -> dict[str, Any]:
    return await _events(container, namespace, field_selector)


@router.get("/healthz")
async def healthz(container: ContainerDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "product": "scurry",
        "version": __version__,
        "pid": os.getpid(),
        "home": str(container.settings.home),
        "runtime": container.runtime.name,
        "defaults": _defaults_health(container),
    }


def _defaults_health(container: ContainerDep) -> dict[str, Any]:
    """The operator defaults file and why it is not in force, if it is not."""
    source = container.defaults_file
    source.current()  # re-read if it changed since
    return {"file": str(source.path), "error": source.error}


@router.post("/admin/stop-clusters")
async def stop_clusters(container: ContainerDep) -> dict[str, Any]:
    """Stop every Flink process of this installation; resources stay (`scurry down --all`)."""
    await container.runtime.stop_all()
    await container.sql_engine().stop()  # the SQL session process, if one runs
    return {"status": "ok"}
