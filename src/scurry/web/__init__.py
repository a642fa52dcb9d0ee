"""The dashboard: server-rendered pages over the same services as the API.

`install` adds its routes to the server's app (at `/` and under `/ui`), so the
server's authentication and RBAC cover them like any other route.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scurry.web import actions, forms, live, login, pages, workspace

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    for module in (login, pages, actions, forms, live, workspace):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="static")
