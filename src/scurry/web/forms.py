"""Forms: apply manifests with a plan preview, create an environment or an application.

The preview is the plan service's answer (the API's `POST .../plan`); applying
checks the whole batch the same way first and writes nothing unless every
document is admitted, then writes each through the same object services as
the API. Environments and applications are created by the CMF services, from
form fields or pasted YAML.
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from scurry.bootstrap import Container
from scurry.errors import Forbidden, InvalidInput, NotFound, ValidationFailed
from scurry.models.manifest import kind_by_name, load_manifests
from scurry.ports import Obj
from scurry.services import objects
from scurry.services import plan as planning
from scurry.services.cmf.applications import Applications
from scurry.services.cmf.environments import Environments
from scurry.web.access import Level, Permissions, permissions
from scurry.web.actions import back_to
from scurry.web.context import cmf, container
from scurry.web.errors import PageRoute
from scurry.web.render import page

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Text = Annotated[str, Form()]


@router.get("/ui/apply")
async def apply_form(request: Request) -> HTMLResponse:
    return page(request, "apply.html")


@router.post("/ui/apply/plan")
async def preview(request: Request, manifest: Text) -> HTMLResponse:
    await check_namespaces(permissions(request), manifest, "read")
    items = await planning.plan(container(request), manifest)
    return page(request, "_plan.html", items=items)


@router.post("/ui/apply")
async def apply(request: Request, manifest: Text) -> Response:
    await check_namespaces(permissions(request), manifest, "write")
    installation = container(request)
    items = await planning.plan(installation, manifest)
    refused = [f"{i['kind']} {i['name']}: {e}" for i in items for e in i["errors"]]
    if refused or not all(i["admitted"] for i in items):
        raise ValidationFailed("nothing was applied: " + "; ".join(refused))
    for obj in load_manifests(manifest, "manifest"):
        await apply_one(installation, obj)
    return back_to("/", f"Applied {len(items)} manifest(s)")


async def apply_one(installation: Container, obj: Obj) -> Obj:
    """Create the object, or replace the stored one (as `kubectl apply` would)."""
    info = kind_by_name(obj["kind"])
    meta = obj["metadata"]
    checked = objects.checked(obj, info, meta["namespace"], meta["name"])
    try:
        existing = await installation.store.get(info.kind, meta["namespace"], meta["name"])
    except NotFound:
        return await objects.create(installation, checked)
    checked["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
    return await objects.update(installation, checked, existing)


async def check_namespaces(rights: Permissions, manifest: str, level: Level) -> None:
    """The caller needs `level` in every namespace the manifests name."""
    for obj in load_manifests(manifest, "manifest"):
        namespace = obj["metadata"]["namespace"]
        if not await rights.in_namespace(level, namespace):
            action = "read" if level == "read" else "change"
            raise Forbidden(f'you may not {action} objects in namespace "{namespace}"')


@router.get("/ui/new-environment")
async def environment_form(request: Request) -> HTMLResponse:
    return page(request, "new_environment.html")


@router.post("/ui/environments")
async def create_environment(
    request: Request, name: Text = "", namespace: Text = "", yaml_text: Text = ""
) -> Response:
    body = (
        parsed(yaml_text)
        if yaml_text.strip()
        else {
            "name": name.strip(),
            "kubernetesNamespace": namespace.strip() or None,
        }
    )
    created = await Environments(cmf(request)).upsert(body)
    return back_to(f"/ui/environments/{created['name']}", "Environment created")


@router.post("/ui/environments/{env}/applications")
async def create_application(
    request: Request,
    env: str,
    name: Text = "",
    jar: Text = "",
    entry_class: Text = "",
    parallelism: Text = "1",
    yaml_text: Text = "",
) -> Response:
    body = (
        parsed(yaml_text)
        if yaml_text.strip()
        else application_body(name, jar, entry_class, parallelism)
    )
    created = await Applications(cmf(request)).upsert(env, body)
    app = created["metadata"]["name"]
    return back_to(f"/ui/environments/{env}/applications/{app}", "Application created")


def application_body(name: str, jar: str, entry_class: str, parallelism: str) -> Obj:
    """A minimal application from the form's fields; the services check the rest."""
    if not parallelism.strip().isdigit():
        raise InvalidInput("parallelism: must be a whole number")
    job: Obj = {"jarURI": jar.strip(), "parallelism": int(parallelism), "state": "running"}
    if entry_class.strip():
        job["entryClass"] = entry_class.strip()
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": name.strip()},
        "spec": {"job": job, "taskManager": {"resource": {"memory": "1280m", "cpu": 1}}},
    }


def parsed(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"yaml: not a YAML document: {exc}") from None
