"""Errors on the dashboard's routes are HTML, with the API's status and message.

A page that fails renders the error page; an htmx request gets a fragment the
page swaps into its message area (htmx is configured to swap 4xx answers).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from scurry.errors import ScurryError
from scurry.web.render import fragment, page

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handle(request)
            except ScurryError as error:
                return error_response(request, error)

        return guarded


def error_response(request: Request, error: ScurryError) -> Response:
    if request.headers.get("hx-request") == "true":
        html = fragment("_error.html", message=error.message)
        return Response(html, status_code=error.http_status, media_type="text/html")
    return page(request, "error.html", status=error.http_status, message=error.message)
