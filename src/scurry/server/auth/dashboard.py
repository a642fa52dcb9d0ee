"""The dashboard's credentials: the token a browser keeps in a cookie.

A browser cannot attach `Authorization` to links and forms, so the dashboard's
login page stores the token in a cookie (HttpOnly, SameSite=Strict), accepted on
the dashboard's paths only: the API never reads it, so no other site can make
a browser call the API with it. Writes under the dashboard made with the cookie
must also carry `HX-Request` (the dashboard's htmx sends it on every request),
a header no cross-site form can set.

The dashboard also links to each cluster's Flink web UI through the server's proxy
(`.../flink-web-ui/`); a browser following that link has only the cookie, so the
proxy's reads accept it too. Writes through the proxy (Flink's own UI cancelling a
job) still need the `Authorization` header: the CLI's `web-ui-forward` sends it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import Scope

from scurry.server.auth.classify import READS

COOKIE = "scurry_token"
PAGES = "/ui"
LOGIN = "/login"
WEB_UI_PROXY = re.compile(
    r"^/cmf/api/v1/environments/[^/]+/(applications|statements)/[^/]+/flink-web-ui(/|$)"
)


def is_dashboard(path: str) -> bool:
    """Whether `path` is one of the dashboard's (the landing page, /ui/..., login)."""
    return path in ("/", LOGIN, "/logout", PAGES) or path.startswith(f"{PAGES}/")


def accepts_cookie(scope: Scope) -> bool:
    """The dashboard's paths, and reads of the Flink web UI it links to."""
    path = scope["path"]
    if is_dashboard(path):
        return True
    return scope.get("method", "GET") in READS and WEB_UI_PROXY.match(path) is not None


def cookie_token(scope: Scope) -> str | None:
    """The dashboard's token from the request's cookie, where the cookie is accepted."""
    if not accepts_cookie(scope):
        return None
    header = Headers(scope=scope).get("cookie")
    token = cookie_parser(header).get(COOKIE) if header else None
    return token or None


def from_htmx(scope: Scope) -> bool:
    return Headers(scope=scope).get("hx-request") == "true"


def login_location(scope: Scope) -> str:
    """Where an unauthenticated browser goes: the login page, then back here."""
    query = scope.get("query_string", b"").decode("latin-1")
    here = scope["path"] + (f"?{query}" if query else "")
    return f"{LOGIN}?next={quote(here, safe='')}"
