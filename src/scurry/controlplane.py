"""The local control plane: the API server and the controller in one process.

Outside the layering contracts on purpose: it is the only module that knows
both entry points, as `__main__` is.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from scurry import web
from scurry.bootstrap import Container, build
from scurry.config.settings import Settings
from scurry.operator.controller import Controller
from scurry.server.app import create_app
from scurry.server.auth.exposure import check_exposure
from scurry.server.auth.mtls import uvicorn_tls_options
from scurry.server.cmf.deps import cmf_context
from scurry.services.cmf.statement_driver import drive_forever

log = logging.getLogger(__name__)
RESTART_DELAY = 5.0


def make_controller(container: Container) -> Controller:
    return Controller(
        container.store,
        container.runtime,
        container.flink_api,
        lambda: container.control,  # the operator defaults file as it is at each reconcile
        container.now,
        workers=container.settings.controller_workers,
        metrics=container.metrics,
    )


async def run_controller_forever(container: Container) -> None:
    """A controller that fails (a lost lease, a bug) starts again rather than go quiet."""
    while True:
        controller = make_controller(container)
        try:
            await controller.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("controller stopped; starting again in %.0fs", RESTART_DELAY)
        await asyncio.sleep(RESTART_DELAY)


async def serve(settings: Settings, *, with_controller: bool = True) -> None:
    check_exposure(settings)
    container = await build(settings)
    try:
        background = [lambda: run_controller_forever(container)] if with_controller else []
        if with_controller:  # statements move with the controller, not with each API replica
            background.append(lambda: drive_forever(cmf_context(container), container.sql_engine()))
        config = uvicorn.Config(
            create_app(container, background, [web.install]),
            host=settings.host,
            port=settings.port,
            log_level="info",
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=2,
            # JSON logs: uvicorn's loggers go through the root handler, not their own.
            log_config=None if settings.log_format == "json" else LOGGING_CONFIG,
            **uvicorn_tls_options(settings),
        )
        await uvicorn.Server(config).serve()
    finally:
        await container.close()
