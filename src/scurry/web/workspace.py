"""The SQL workspace: an environment's compute pool, an editor, results and statements.

Run creates a statement through the same services as the API's POST, and a
result page is the API's `results` call with its page token; stop, resume and
delete are the API's PUT and DELETE. Results are read once, page by page, as
through the API: a page token acknowledges every row before it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from scurry.errors import InvalidInput, ScurryError
from scurry.models.cmf import CMF_API_VERSION
from scurry.services.cmf.pools import ComputePools
from scurry.web.access import permissions
from scurry.web.actions import back_to
from scurry.web.context import cmf
from scurry.web.errors import PageRoute
from scurry.web.render import page
from scurry.web.sql_lists import statements, statements_of
from scurry.web.sql_views import StatementRow, pool_row, result_page, statement_row

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Text = Annotated[str, Form()]


def workspace_url(env: str, pool: str) -> str:
    return f"/ui/environments/{env}/compute-pools/{pool}"


@router.get("/ui/environments/{env}/compute-pools/{pool}")
async def workspace(
    request: Request, env: str, pool: str, statement: str = "", flash: str = ""
) -> HTMLResponse:
    ctx = cmf(request)
    found = pool_row(await ComputePools(ctx).get(env, pool))
    listed = await statements_of(statements(request), env, pool)
    chosen = next((s for s in listed if s.name == statement), None)
    return page(
        request,
        "workspace.html",
        env=env,
        pool=found,
        statements=listed,
        chosen=chosen,
        writable=permissions(request).in_environment("write", env),
        flash=flash,
        base=workspace_url(env, pool),
    )


@router.post("/ui/environments/{env}/compute-pools/{pool}/statements")
async def run(
    request: Request, env: str, pool: str, statement: Text = "", name: Text = ""
) -> HTMLResponse:
    sql = statement.strip().removesuffix(";").strip()
    if not sql:
        raise InvalidInput("spec.statement: must not be empty")
    body = {
        "apiVersion": CMF_API_VERSION,
        "kind": "Statement",
        "metadata": {"name": name.strip() or f"sql-{uuid.uuid4().hex[:12]}"},
        "spec": {"statement": sql, "computePoolName": pool},
    }
    made = statement_row(await statements(request).create(env, body))
    answer = await result(request, env, made)
    answer.headers["HX-Trigger"] = "statements-changed"
    return answer


@router.get("/ui/environments/{env}/statements/{name}/results")
async def results(
    request: Request,
    env: str,
    name: str,
    token: Annotated[str, Query(alias="page-token")] = "",
) -> HTMLResponse:
    found = statement_row(await statements(request).get(env, name))
    return await result(request, env, found, token)


async def result(request: Request, env: str, stmt: StatementRow, token: str = "") -> HTMLResponse:
    """The statement's phase and detail and, when it has rows, the page at `token`."""
    shown: dict[str, Any] = {"rows": None, "gone": None}
    if stmt.has_results:
        service = statements(request)
        try:
            answer = await service.results(env, stmt.name, token or None)
        except ScurryError as error:  # e.g. rows already read (410): said in the panel
            shown["gone"] = error.message
        else:
            fresh = await service.get(env, stmt.name)  # the phase the read may have moved
            stmt = statement_row(fresh)
            shown["rows"] = result_page(fresh, answer, token or "0")
    return page(
        request,
        "_result.html",
        env=env,
        stmt=stmt,
        url=f"/ui/environments/{env}/statements/{stmt.name}/results",
        **shown,
    )


@router.post("/ui/environments/{env}/statements/{name}/delete")
async def delete_statement(request: Request, env: str, name: str) -> Response:
    service = statements(request)
    pool = statement_row(await service.get(env, name)).pool
    await service.delete(env, name)
    return back_to(workspace_url(env, pool), f"Deletion of statement {name} requested")


@router.post("/ui/environments/{env}/statements/{name}/{action}")
async def stop_or_resume(request: Request, env: str, name: str, action: str) -> Response:
    """The API's PUT with `spec.stopped` changed, as `confluent flink statement stop` does."""
    if action not in ("stop", "resume"):
        raise InvalidInput(f"action: unknown action {action!r} (use stop, resume or delete)")
    service = statements(request)
    found = await service.get(env, name)
    body = {key: found[key] for key in ("apiVersion", "kind", "metadata", "spec")}
    body["spec"] = {**body["spec"], "stopped": action == "stop"}
    await service.update(env, name, body)
    target = f"{workspace_url(env, str(body['spec']['computePoolName']))}?statement={quote(name)}"
    note = "Stop requested" if action == "stop" else "Resume requested"
    return back_to(target, f"{note} for statement {name}")
