"""Login with a token (kept in an HttpOnly, SameSite=Strict cookie) and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scurry.web.context import container
from scurry.web.errors import PageRoute
from scurry.web.render import page

router = APIRouter(include_in_schema=False, route_class=PageRoute)
COOKIE = "scurry_token"  # the name the server's auth reads (scurry.server.auth.dashboard)


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    auth = container(request).settings.auth_enabled
    return page(request, "login.html", next=safe_next(next), auth=auth)


@router.post("/login")
async def log_in(token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """Keep the token; the next page checks it (a bad one comes back here)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/")
    return response


@router.post("/logout")
async def log_out() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def safe_next(target: str) -> str:
    """Only a path on this server (no `//host`, no scheme): never an open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
