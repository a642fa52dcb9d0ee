"""One error shape for every API answer: `{"errors": [{"message": ...}]}`."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from scurry.errors import ScurryError
from scurry.server.cmf.media import respond

log = logging.getLogger(__name__)


def error_response(status: int, *messages: str) -> JSONResponse:
    return JSONResponse(error_body(*messages), status_code=status)


def error_body(*messages: str) -> dict[str, list[dict[str, str]]]:
    return {"errors": [{"message": m} for m in messages]}


def answer(
    request: Request, status: int, *messages: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The error in JSON, or in YAML for a CMF client that prefers it."""
    if request.url.path.startswith("/cmf/"):
        response = respond(request, error_body(*messages), status)
    else:
        response = error_response(status, *messages)
    response.headers.update(headers or {})
    return response


def allowed_methods(request: Request) -> str:
    """Every method the app serves at the request's path, from its OpenAPI description
    (Starlette names only the first matching route's)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _template(template).match(path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


@functools.cache
def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", path)  # the text between {parameters}
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def install(app: FastAPI) -> None:
    @app.exception_handler(ScurryError)
    async def scurry_error(request: Request, exc: ScurryError) -> Response:
        return answer(request, exc.http_status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        messages = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()] or [
            "invalid request"
        ]
        return answer(request, 400, *messages)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110: Allow lists every method of the resource
            headers["Allow"] = allowed_methods(request)
        return answer(request, exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return answer(request, 500, f"internal error: {type(exc).__name__}")
