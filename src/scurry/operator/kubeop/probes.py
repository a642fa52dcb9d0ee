"""The operator pod's HTTP endpoints: liveness, readiness and Prometheus metrics.

`/healthz` fails when a part of the operator (kopf's watches, the controller
loop) has ended, so the kubelet restarts the pod; `/readyz` succeeds once the
watches have listed everything. A standby replica is healthy and ready: it
is waiting for the Lease by design. Whether this replica leads is the
`scurry_controller_leader` gauge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry


@dataclass
class ProbeState:
    alive: Callable[[], bool]
    ready: Callable[[], bool]
    registry: CollectorRegistry
    refresh: Callable[[], Awaitable[None]]  # scrape-time gauges, brought up to date


def probe_app(state: ProbeState) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return _answer(state.alive(), "alive", "a part of the operator has stopped")

    async def readyz(_: web.Request) -> web.Response:
        return _answer(state.ready(), "ready", "the watches have not listed everything yet")

    async def metrics(_: web.Request) -> web.Response:
        await state.refresh()
        body = generate_latest(state.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


def _answer(ok: bool, good: str, bad: str) -> web.Response:
    return web.Response(status=200 if ok else 503, text=(good if ok else bad) + "\n")


async def start_probes(state: ProbeState, host: str, port: int) -> web.AppRunner:
    """Serve the probes on host:port (port 0: any free port; see `bound_port`)."""
    runner = web.AppRunner(probe_app(state), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        return int(address[1])
    raise RuntimeError("the probe server is not listening")
