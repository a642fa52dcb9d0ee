"""The JobManager's REST API from outside the cluster: a local port relayed to a pod.

An operator running on a laptop cannot reach `NAME-rest.NS.svc`. For each
JobManager pod this opens a listener on 127.0.0.1 and relays every connection
to the pod's REST port through the Kubernetes API's port-forward (one
port-forward stream per connection, as `kubectl port-forward` does), so the
ordinary HTTP client talks to `http://127.0.0.1:<port>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)
CHUNK = 1 << 16
LOOPBACK = "127.0.0.1"


class Tunnel(Protocol):
    """One stream to a pod's port: a socket to talk through, closed with the tunnel."""

    def socket(self) -> socket.socket: ...

    def close(self) -> None: ...


Connector = Callable[[str, str, int], Tunnel]  # (namespace, pod, port) -> an open tunnel


class KubernetesTunnel:
    """A port-forward stream of the `kubernetes` client (its thread pumps the websocket)."""

    def __init__(self, forward: Any, port: int) -> None:
        self.forward, self.port = forward, port

    def socket(self) -> socket.socket:
        wrapped = self.forward.socket(self.port)
        # The client wraps one end of a socketpair; asyncio wants the socket itself.
        real: socket.socket = getattr(wrapped, "_socket", wrapped)
        return real

    def close(self) -> None:
        self.forward.close()


def kubernetes_connector(client: Any) -> Connector:
    from kubernetes.client import CoreV1Api
    from kubernetes.stream import portforward

    core = CoreV1Api(client)

    def connect(namespace: str, pod: str, port: int) -> Tunnel:
        forward = portforward(
            core.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port)
        )
        return KubernetesTunnel(forward, port)

    return connect


class PortForwarder:
    """Local listeners, one per (namespace, pod, port), kept until `close`."""

    def __init__(self, connect: Connector) -> None:
        self.connect = connect
        self._servers: dict[tuple[str, str, int], asyncio.Server] = {}
        self._lock = asyncio.Lock()

    async def url(self, namespace: str, pod: str, port: int) -> str:
        key = (namespace, pod, port)
        async with self._lock:
            server = self._servers.get(key)
            if server is None:
                server = await asyncio.start_server(
                    lambda r, w: self._relay(key, r, w), LOOPBACK, 0
                )
                self._servers[key] = server
        local_port = server.sockets[0].getsockname()[1]
        return f"http://{LOOPBACK}:{local_port}"

    async def forget(self, namespace: str, keep_pods: set[str] | None = None) -> None:
        """Close the listeners of pods in `namespace` that are not in `keep_pods`."""
        for key in [
            k for k in self._servers if k[0] == namespace and k[1] not in (keep_pods or ())
        ]:
            await self._stop(key)

    async def close(self) -> None:
        for key in list(self._servers):
            await self._stop(key)

    async def _stop(self, key: tuple[str, str, int]) -> None:
        server = self._servers.pop(key, None)
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _relay(
        self, key: tuple[str, str, int], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        namespace, pod, port = key
        try:
            tunnel = await asyncio.to_thread(self.connect, namespace, pod, port)
        except Exception as exc:  # the pod went away: this connection fails, the next may not
            log.warning("port-forward to %s/%s:%d failed: %s", namespace, pod, port, exc)
            writer.close()
            return
        try:
            remote_reader, remote_writer = await asyncio.open_connection(sock=tunnel.socket())
            await asyncio.gather(
                _pipe(reader, remote_writer), _pipe(remote_reader, writer), return_exceptions=True
            )
        finally:
            writer.close()
            await asyncio.to_thread(tunnel.close)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
    finally:
        with contextlib.suppress(Exception):
            if sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()
