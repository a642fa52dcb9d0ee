"""The port-forward relay: a local listener whose connections reach a pod's port.

The "pod" is a real HTTP server on loopback, and the tunnel a real TCP connection to it
(what the Kubernetes API's port-forward stream gives the relay: a connected socket).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from scurry.runtimes.kubernetes.portforward import PortForwarder


class SocketTunnel:
    def __init__(self, port: int) -> None:
        self._socket = socket.create_connection(("127.0.0.1", port))
        self.closed = False

    def socket(self) -> socket.socket:
        return self._socket

    def close(self) -> None:
        self.closed = True
        self._socket.close()


@pytest.fixture
async def pod() -> AsyncIterator[int]:
    """A JobManager's REST port, as far as the relay can tell."""

    async def config(request: web.Request) -> web.Response:
        return web.json_response({"flink-version": "2.2.0", "path": request.path})

    app = web.Application()
    app.router.add_get("/config", config)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


async def test_requests_reach_the_pod_and_each_opens_a_tunnel(pod: int) -> None:
    opened: list[tuple[str, str, int, SocketTunnel]] = []

    def connect(namespace: str, name: str, port: int) -> SocketTunnel:
        tunnel = SocketTunnel(pod)
        opened.append((namespace, name, port, tunnel))
        return tunnel

    forwarder = PortForwarder(connect)
    url = await forwarder.url("shop", "orders-abc", 8081)
    assert url == await forwarder.url("shop", "orders-abc", 8081)  # one listener per pod port
    for _ in range(2):
        async with httpx.AsyncClient(base_url=url) as client:
            answer = await client.get("/config")
        assert answer.json() == {"flink-version": "2.2.0", "path": "/config"}
    assert [(ns, name, port) for ns, name, port, _ in opened] == [("shop", "orders-abc", 8081)] * 2

    await forwarder.forget("shop", keep_pods={"orders-abc"})
    assert await forwarder.url("shop", "orders-abc", 8081) == url
    await forwarder.forget("shop")
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=url) as client:
            await client.get("/config")
    await forwarder.close()


async def test_a_pod_that_cannot_be_reached_fails_that_request_only(pod: int) -> None:
    failures = [True]

    def connect(namespace: str, name: str, port: int) -> SocketTunnel:
        if failures and failures.pop():
            raise OSError('pods "orders-abc" not found')
        return SocketTunnel(pod)

    forwarder = PortForwarder(connect)
    url = await forwarder.url("shop", "orders-abc", 8081)
    with pytest.raises(httpx.TransportError):
        async with httpx.AsyncClient(base_url=url) as client:
            await client.get("/config")
    async with httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/config")).status_code == 200
    await forwarder.close()
