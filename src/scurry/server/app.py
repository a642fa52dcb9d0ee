"""The FastAPI application: routes, error shape, and background tasks for its lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import FastAPI

from scurry import __version__
from scurry.bootstrap import Container
from scurry.server import (
    auth,
    cmf,
    core_api,
    core_objects,
    effective_config,
    errors,
    metrics,
    plan,
    resources,
    snapshot_export,
    vertices,
)
from scurry.server.cmf import webui

log = logging.getLogger(__name__)

Background = Callable[[], Awaitable[None]]
Extension = Callable[[FastAPI], None]


def create_app(
    container: Container,
    background: Sequence[Background] = (),
    extensions: Sequence[Extension] = (),
) -> FastAPI:
    """The API over `container`; `background` coroutines run while the app serves;
    `extensions` add routes of other entry points (the dashboard) under the same auth."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_guard(job)) for job in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(title="scurry", version=__version__, lifespan=lifespan)
    app.state.container = container
    errors.install(app)
    app.include_router(core_api.router)
    app.include_router(core_objects.router)
    app.include_router(resources.router)
    app.include_router(effective_config.router)
    app.include_router(snapshot_export.router)
    app.include_router(vertices.router)
    app.include_router(metrics.router)
    app.include_router(plan.router)
    app.include_router(webui.router)
    for router in cmf.ROUTERS:
        app.include_router(router)
    for extend in extensions:
        extend(app)
    auth.install(app, container.settings, container.store)
    return app


async def _guard(job: Background) -> None:
    try:
        await job()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("background task failed")
        raise
