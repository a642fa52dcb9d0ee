"""The installation a page works on: the app's container and the services' context."""

from __future__ import annotations

from starlette.requests import Request

from scurry.bootstrap import Container
from scurry.services.cmf.context import CmfContext, context_of


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


def cmf(request: Request) -> CmfContext:
    return context_of(container(request))
