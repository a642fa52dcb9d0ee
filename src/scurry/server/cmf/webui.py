"""The Flink web UI of a CMF application, reverse-proxied under its API path.

`/cmf/api/v1/environments/{env}/applications/{app}/flink-web-ui/{path}` is
forwarded to `{path}` on the REST address of the application's JobManager,
which the runtime reports. Flink's dashboard asks for everything (its
scripts, styles and REST calls) by relative URL, so under this prefix it
works as it does on the JobManager's own port; the prefix without its slash
redirects to the one with it, or the relative URLs would resolve one level up.

404 when the application, or its cluster, does not exist; 503 while the
JobManager is not serving yet or does not answer. The caller's credentials
for scurry (`Authorization`) are not passed on to Flink.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from scurry.errors import NotFound, Unavailable
from scurry.models.cluster import ClusterRef, JobManagerState
from scurry.models.resources import FLINK_DEPLOYMENT
from scurry.server.cmf.deps import CmfDep
from scurry.services.cmf import lookup, records
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.deployments import owned_by
from scurry.services.cmf.statements import statement_cluster

PREFIX = "/cmf/api/v1/environments/{env}/applications/{app}/flink-web-ui"
STATEMENT_PREFIX = "/cmf/api/v1/environments/{env}/statements/{statement}/flink-web-ui"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
TIMEOUT = httpx.Timeout(30.0)
# Headers of one hop only (RFC 9110 §7.6.1), the upstream's Host, and scurry's own credentials.
NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "authorization",
    }
)
# Characters a path segment may hold unescaped (RFC 3986 pchar, plus the separator).
PATH_SAFE = "/:@!$&'()*+,;=-._~"

router = APIRouter(include_in_schema=False)


@router.api_route(PREFIX, methods=METHODS)
async def web_ui_root(request: Request) -> Response:
    """`.../flink-web-ui` → `.../flink-web-ui/`, where the dashboard's relative URLs work.

    The location is relative, so it stays right behind a proxy that adds a prefix.
    """
    target = "flink-web-ui/"
    if request.url.query:
        target += f"?{request.url.query}"
    return RedirectResponse(target, status_code=307)


@router.api_route(PREFIX + "/{path:path}", methods=METHODS)
async def web_ui(env: str, app: str, path: str, request: Request, ctx: CmfDep) -> Response:
    """Forward one request of the dashboard to the application's JobManager."""
    base = await jobmanager_url(ctx, env, app)
    return await forward(base, f'application "{app}"', path, request)


@router.api_route(STATEMENT_PREFIX, methods=METHODS)
async def statement_web_ui_root(request: Request) -> Response:
    """As for applications: the prefix with its slash."""
    return await web_ui_root(request)


@router.api_route(STATEMENT_PREFIX + "/{path:path}", methods=METHODS)
async def statement_web_ui(
    env: str, statement: str, path: str, request: Request, ctx: CmfDep
) -> Response:
    """Forward one request of the dashboard to the JobManager the statement runs on."""
    ref = await statement_cluster(ctx, env, statement)
    base = await _serving(ctx, ref, f'Statement "{statement}"')
    return await forward(base, f'statement "{statement}"', path, request)


async def forward(base: str, what: str, path: str, request: Request) -> Response:
    """Forward `request` to `path` on the JobManager at `base`, streaming both ways."""
    target = httpx.URL(base).copy_with(
        raw_path=("/" + quote(path, safe=PATH_SAFE)).encode("ascii")
        + (b"?" + request.url.query.encode("ascii") if request.url.query else b"")
    )
    client = httpx.AsyncClient(timeout=TIMEOUT)
    upstream = client.build_request(
        request.method,
        target,
        headers=[(k, v) for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED],
        content=request.stream() if _has_body(request) else None,
    )
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.TimeoutException:
        await client.aclose()
        raise Unavailable(f"the JobManager of {what} did not answer in time") from None
    except httpx.TransportError as exc:
        await client.aclose()
        raise Unavailable(
            f"the JobManager of {what} is not reachable: {type(exc).__name__}"
        ) from None
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_FORWARDED}
    return StreamingResponse(
        _relay(answer, client), status_code=answer.status_code, headers=headers
    )


def _has_body(request: Request) -> bool:
    """Whether the request carries a body (streamed on as it arrives: jars can be large)."""
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "transfer-encoding" in request.headers


async def _relay(answer: httpx.Response, client: httpx.AsyncClient) -> AsyncIterator[bytes]:
    """The upstream body as it was sent (still compressed if it was), then close both."""
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return  # the JobManager went away mid-answer: the client sees a short body
    finally:
        await answer.aclose()
        await client.aclose()


async def jobmanager_url(ctx: CmfContext, env: str, app: str) -> str:
    """The REST address of the JobManager running application `app` of environment `env`."""
    ref = await cluster_of(ctx, env, app)
    observation = await ctx.runtime.observe(ref)
    if not observation.exists:
        raise NotFound(f'FlinkApplication "{app}" in Environment "{env}" has no Flink cluster')
    if observation.job_manager is not JobManagerState.READY or not observation.rest_url:
        state = observation.job_manager.value
        raise Unavailable(
            f'the JobManager of FlinkApplication "{app}" is not serving yet (it is {state})'
        )
    return observation.rest_url


async def cluster_of(ctx: CmfContext, env: str, app: str) -> ClusterRef:
    """The cluster of the application's FlinkDeployment (named like it, owned by it)."""
    application = await lookup.application(ctx, env, app)
    namespace = lookup.namespace_of(await lookup.environment(ctx, env))
    deployment = await records.find(ctx.fko, FLINK_DEPLOYMENT.kind, namespace, app)
    if deployment is None or not owned_by(deployment, application):
        raise NotFound(f'FlinkApplication "{app}" in Environment "{env}" has no Flink cluster')
    return ClusterRef(namespace=namespace, name=app)


async def _serving(ctx: CmfContext, ref: ClusterRef, what: str) -> str:
    """The REST address of cluster `ref` once its JobManager serves (503 before)."""
    observation = await ctx.runtime.observe(ref)
    if not observation.exists:
        raise NotFound(f"{what} has no Flink cluster")
    if observation.job_manager is not JobManagerState.READY or not observation.rest_url:
        state = observation.job_manager.value
        raise Unavailable(f"the JobManager of {what} is not serving yet (it is {state})")
    return observation.rest_url
