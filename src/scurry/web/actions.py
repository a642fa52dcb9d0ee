"""The buttons: suspend, resume, restart, trigger a savepoint, delete.

Each is the same write the API makes, through the same services: a merge patch
of the spec for deployments and session jobs (FKO's `job.state`,
`restartNonce`, `savepointTriggerNonce`), the CMF services for applications.
The answer sends the browser back to the page with a note of what was asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.errors import InvalidInput
from scurry.models.resources import KindInfo
from scurry.ports import Obj
from scurry.services import objects
from scurry.services.cmf import savepoints
from scurry.services.cmf.applications import Applications, render
from scurry.services.cmf.context import CmfContext
from scurry.web.context import cmf, container
from scurry.web.errors import PageRoute
from scurry.web.pages import page_kind
from scurry.web.views import dig

router = APIRouter(include_in_schema=False, route_class=PageRoute)
DONE = {
    "suspend": "Suspend requested",
    "resume": "Resume requested",
    "restart": "Restart requested",
    "savepoint": "Savepoint requested",
}


def patch_for(action: str, spec: dict[str, Any]) -> Obj:
    """The spec merge patch an action makes (FKO's fields)."""
    if action == "suspend":
        return {"spec": {"job": {"state": "suspended"}}}
    if action == "resume":
        return {"spec": {"job": {"state": "running"}}}
    if action == "restart":
        return {"spec": {"restartNonce": bump(spec.get("restartNonce"))}}
    if action == "savepoint":
        nonce = bump(dig(spec, "job", "savepointTriggerNonce"))
        return {"spec": {"job": {"savepointTriggerNonce": nonce}}}
    raise InvalidInput(f"action: unknown action {action!r} (use one of {', '.join(DONE)})")


def bump(nonce: Any) -> int:
    return nonce + 1 if isinstance(nonce, int) and not isinstance(nonce, bool) else 1


def back_to(url: str, note: str) -> Response:
    """htmx follows HX-Redirect with a full page load."""
    joint = "&" if "?" in url else "?"
    return Response(status_code=204, headers={"HX-Redirect": f"{url}{joint}flash={quote(note)}"})


@router.post("/ui/namespaces/{namespace}/{plural}/{name}/delete")
async def delete_resource(request: Request, namespace: str, plural: str, name: str) -> Response:
    info = page_kind(plural)
    await container(request).store.delete(info.kind, namespace, name)
    return back_to("/", f"Deletion of {info.kind} {namespace}/{name} requested")


@router.post("/ui/namespaces/{namespace}/{plural}/{name}/{action}")
async def act_on_resource(
    request: Request, namespace: str, plural: str, name: str, action: str
) -> Response:
    info: KindInfo = page_kind(plural)
    installation = container(request)
    stored = await installation.store.get(info.kind, namespace, name)
    patch = patch_for(action, stored.get("spec") or {})
    await objects.patch_spec(installation, info, namespace, name, patch)
    return back_to(f"/ui/namespaces/{namespace}/{plural}/{name}", DONE[action])


@router.post("/ui/environments/{env}/applications/{app}/delete")
async def delete_application(request: Request, env: str, app: str) -> Response:
    await Applications(cmf(request)).delete(env, app)
    return back_to(f"/ui/environments/{env}", f"Deletion of application {app} requested")


@router.post("/ui/environments/{env}/applications/{app}/{action}")
async def act_on_application(request: Request, env: str, app: str, action: str) -> Response:
    ctx = cmf(request)
    do = APPLICATION_ACTIONS.get(action)
    if do is None:
        raise InvalidInput(f"action: unknown action {action!r} (use one of {', '.join(DONE)})")
    await do(ctx, env, app)
    return back_to(f"/ui/environments/{env}/applications/{app}", DONE[action])


async def suspend_app(ctx: CmfContext, env: str, app: str) -> None:
    await Applications(ctx).suspend(env, app)


async def resume_app(ctx: CmfContext, env: str, app: str) -> None:
    await Applications(ctx).start(env, app, None)


async def restart_app(ctx: CmfContext, env: str, app: str) -> None:
    """An update of the application with a new `restartNonce` (CMF keeps FKO's field)."""
    services = Applications(ctx)
    body = render(*await services.with_deployment(env, app))
    body.pop("status", None)
    body["spec"]["restartNonce"] = bump(body["spec"].get("restartNonce"))
    await services.upsert(env, body)


async def savepoint_app(ctx: CmfContext, env: str, app: str) -> None:
    await savepoints.create(ctx, env, app, {})


APPLICATION_ACTIONS: dict[str, Callable[[CmfContext, str, str], Awaitable[None]]] = {
    "suspend": suspend_app,
    "resume": resume_app,
    "restart": restart_app,
    "savepoint": savepoint_app,
}
