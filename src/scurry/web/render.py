"""Templates: jinja2 over the package's `templates/`, autoescaped, with the caller's rights."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from scurry import __version__
from scurry.web.access import permissions
from scurry.web.views import tone

HTMX = "/ui/static/htmx-2.0.11.min.js"


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("scurry.web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(tone=tone, htmx=HTMX, version=__version__)
    return env


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A rendered page (or fragment) for `request`; `who` names the caller, if authenticated."""
    html = (
        templates()
        .get_template(template)
        .render(request=request, who=permissions(request).who, **values)
    )
    return HTMLResponse(html, status_code=status)


def fragment(template: str, **values: Any) -> str:
    return templates().get_template(template).render(**values)
