"""The pages: the landing page, an environment, and one page per resource.

(The SQL workspace of a compute pool is `workspace`.)
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from scurry.errors import NotFound, ScurryError
from scurry.models.manifest import kind_by_name
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_SESSION_JOB, KindInfo
from scurry.services.cmf import lookup
from scurry.services.cmf.applications import Applications
from scurry.web import inventory
from scurry.web.access import permissions
from scurry.web.context import cmf, container
from scurry.web.details import detail
from scurry.web.errors import PageRoute
from scurry.web.render import page
from scurry.web.sql_lists import environment_sql
from scurry.web.views import tone

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PAGE_KINDS = (FLINK_DEPLOYMENT, FLINK_SESSION_JOB)


@router.get("/")
async def landing(request: Request, flash: str = "") -> HTMLResponse:
    rights = permissions(request)
    places = await inventory.everything(cmf(request), rights)
    counts: dict[str, int] = {}
    for place in places:
        for row in place.rows:
            key = tone(row.job_state or row.lifecycle)
            counts[key] = counts.get(key, 0) + 1
    return page(
        request,
        "index.html",
        places=places,
        counts=counts,
        flash=flash,
        may_create_environment=rights.cluster("manage"),
    )


@router.get("/ui/environments/{env}")
async def environment(request: Request, env: str, flash: str = "") -> HTMLResponse:
    ctx = cmf(request)
    place = await inventory.environment_place(ctx, await lookup.environment(ctx, env))
    writable = permissions(request).in_environment("write", env)
    sql_error = None
    try:
        pools, statements = await environment_sql(request, env)
    except ScurryError as error:  # the SQL engine away: the rest of the page still shows
        pools, statements, sql_error = [], [], error.message
    return page(
        request,
        "environment.html",
        place=place,
        writable=writable,
        flash=flash,
        compute_pools=pools,
        sql_statements=statements,
        sql_error=sql_error,
    )


@router.get("/ui/environments/{env}/applications/{app}")
async def application(request: Request, env: str, app: str, flash: str = "") -> HTMLResponse:
    ctx = cmf(request)
    record, deployment = await Applications(ctx).with_deployment(env, app)
    found = None
    if deployment is not None:
        namespace = deployment["metadata"]["namespace"]
        found = await detail(container(request), FLINK_DEPLOYMENT, namespace, app)
    return page(
        request,
        "application.html",
        env=env,
        app=record,
        detail=found,
        writable=permissions(request).in_environment("write", env),
        flash=flash,
        base=f"/ui/environments/{env}/applications/{app}",
        webui=f"/cmf/api/v1/environments/{env}/applications/{app}/flink-web-ui/",
    )


@router.get("/ui/namespaces/{namespace}/{plural}/{name}")
async def resource(
    request: Request, namespace: str, plural: str, name: str, flash: str = ""
) -> HTMLResponse:
    info = page_kind(plural)
    found = await detail(container(request), info, namespace, name)
    writable = await permissions(request).in_namespace("write", namespace)
    return page(
        request,
        "resource.html",
        detail=found,
        writable=writable,
        flash=flash,
        base=found.href,
    )


def page_kind(plural: str) -> KindInfo:
    """The kind a page URL names (deployments and session jobs have pages)."""
    info = kind_by_name(plural)
    if info not in PAGE_KINDS:
        raise NotFound(f"the dashboard has no pages for {plural}")
    return info
