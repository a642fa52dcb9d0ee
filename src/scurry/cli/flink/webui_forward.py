"""`scurry flink application web-ui-forward NAME`: the application's Flink web UI on a local port.

Every request to the local port is forwarded, method, headers and body, to
`{url}/cmf/api/v1/environments/{env}/applications/{name}/flink-web-ui{path}`,
where the server proxies it to the application's JobManager; answers come
back as they are. The forwarder listens on loopback only: the web UI can
cancel jobs and upload jars, and whoever reaches the port acts with the
forwarder's credentials.
"""

from __future__ import annotations

import http.server
import socketserver
from typing import Annotated

import httpx
import typer

from scurry.cli.flink import routes
from scurry.cli.flink.cmf import Cmf
from scurry.cli.flink.connection import Connection, connected
from scurry.cli.flink.errors import ApiFailure, CommandError
from scurry.cli.flink.options import Environment, Name, need
from scurry.cli.flink.render import emit

LOOPBACK = "127.0.0.1"
# Connection-level headers are the hop's own (RFC 9110 §7.6.1); Host names the upstream.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)

Port = Annotated[
    int,
    typer.Option(
        "--port",
        min=0,
        max=65535,
        help="Port to forward the web UI to. If not provided, a random, OS-assigned port "
        "will be used.",
    ),
]


@connected
def web_ui_forward(
    cmf: Cmf,
    connection: Connection,
    name: Name,
    environment: Environment = None,
    port: Port = 0,
) -> None:
    """Forward the web UI of a Flink application."""
    (env,) = need(environment=environment)
    forward_web_ui(
        cmf,
        connection,
        f'application "{name}"',
        routes.application(env, name),
        routes.web_ui(env, name),
        env,
        port,
    )


def forward_web_ui(
    cmf: Cmf, connection: Connection, what: str, resource: str, web_ui: str, env: str, port: int
) -> None:
    """Serve `web_ui` (a CMF proxy route) on a local port until Ctrl-C, once `resource`
    (the application or statement it belongs to) is known to exist."""
    try:
        cmf.get(resource)
    except ApiFailure as failure:
        raise CommandError(
            f"failed to forward web UI: failed to describe {what} "
            f'in the environment "{env}": {failure.message}'
        ) from None
    server = forwarder(connection, web_ui, port)
    emit(f"Starting web UI at http://localhost:{server.port}/ ... (Press Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the forward ends
    finally:
        server.server_close()


class Forwarder(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A local HTTP server that hands every request to the CMF web UI route."""

    daemon_threads = True

    def __init__(self, port: int, upstream: httpx.Client, prefix: str, verbose: bool) -> None:
        super().__init__((LOOPBACK, port), ForwardHandler)
        self.upstream = upstream
        self.prefix = prefix
        self.verbose = verbose

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def server_close(self) -> None:
        super().server_close()
        self.upstream.close()


def forwarder(connection: Connection, prefix: str, port: int = 0) -> Forwarder:
    """A forwarder bound to loopback `port` (0: any free one), not serving yet."""
    upstream = connection.client(timeout=None)
    try:
        return Forwarder(port, upstream, prefix, connection.verbose)
    except OSError as exc:
        upstream.close()
        raise CommandError(f"failed to create the local listener: {exc.strerror or exc}") from None


class ForwardHandler(http.server.BaseHTTPRequestHandler):
    """One request: sent on with its method, headers and body; the answer streamed back."""

    server: Forwarder

    def do_GET(self) -> None:
        self.forward()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        upstream = self.server.upstream
        request = upstream.build_request(
            self.command, self.server.prefix + self.path, headers=headers, content=body
        )
        try:
            response = upstream.send(request, stream=True)
        except httpx.HTTPError as exc:
            self.send_error(502, f"failed to forward the request: {exc}")
            return
        try:
            self.relay(response)
        finally:
            response.close()

    def relay(self, response: httpx.Response) -> None:
        self.send_response(response.status_code)
        for key, value in response.headers.multi_items():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in response.iter_raw():  # as sent: compressed bodies stay compressed
                self.wfile.write(chunk)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)
