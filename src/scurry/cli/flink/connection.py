"""Where `scurry flink` commands connect, and how: the CMF connection flags.

Every command takes Confluent's connection flags (`--url`, `--client-key-path`,
`--client-cert-path`, `--certificate-authority-path`) and their environment
variables. `--url` falls back to `SCURRY_URL`, then `CONFLUENT_CMF_URL`, then
the scurry server the rest of the CLI talks to (`--server`, `SCURRY_SERVER`,
`SCURRY_HOST`/`SCURRY_PORT`), so a local installation needs no flag at all.
A bearer token, when the server wants one, comes from `SCURRY_TOKEN`.
"""

from __future__ import annotations

import functools
import inspect
import os
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from pydantic import SecretStr

from scurry.cli.flink.cmf import Cmf
from scurry.cli.flink.errors import CommandError
from scurry.cli.session import Session
from scurry.config.settings import Settings

R = TypeVar("R")
PANEL = "Connection"
TIMEOUT = 30.0
TOKEN_VARIABLE = "SCURRY_TOKEN"
_CONTEXT = "_flink_context"

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar=["SCURRY_URL", "CONFLUENT_CMF_URL"],
        show_envvar=False,
        rich_help_panel=PANEL,
        help="Base URL of the CMF API (env SCURRY_URL or CONFLUENT_CMF_URL; "
        "default: the scurry server).",
    ),
]
ClientKeyPath = Annotated[
    Path | None,
    typer.Option(
        "--client-key-path",
        envvar=["SCURRY_CLIENT_KEY_PATH", "CONFLUENT_CMF_CLIENT_KEY_PATH"],
        show_envvar=False,
        rich_help_panel=PANEL,
        help="Client private key for mTLS (env CONFLUENT_CMF_CLIENT_KEY_PATH).",
    ),
]
ClientCertPath = Annotated[
    Path | None,
    typer.Option(
        "--client-cert-path",
        envvar=["SCURRY_CLIENT_CERT_PATH", "CONFLUENT_CMF_CLIENT_CERT_PATH"],
        show_envvar=False,
        rich_help_panel=PANEL,
        help="Client certificate for mTLS (env CONFLUENT_CMF_CLIENT_CERT_PATH).",
    ),
]
CertificateAuthorityPath = Annotated[
    Path | None,
    typer.Option(
        "--certificate-authority-path",
        envvar=["SCURRY_CERTIFICATE_AUTHORITY_PATH", "CONFLUENT_CMF_CERTIFICATE_AUTHORITY_PATH"],
        show_envvar=False,
        rich_help_panel=PANEL,
        help="PEM file of the CA that signed the server's certificate "
        "(env CONFLUENT_CMF_CERTIFICATE_AUTHORITY_PATH).",
    ),
]

_FLAGS: tuple[tuple[str, Any], ...] = (
    ("url", Url),
    ("client_key_path", ClientKeyPath),
    ("client_cert_path", ClientCertPath),
    ("certificate_authority_path", CertificateAuthorityPath),
)


@dataclass(frozen=True)
class Connection:
    """The server to talk to and the credentials to present."""

    url: str
    client_cert: Path | None = None
    client_key: Path | None = None
    certificate_authority: Path | None = None
    token: str | None = None
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.client_key is not None and self.client_cert is None:
            raise CommandError(
                "--client-key-path needs --client-cert-path (the certificate it belongs to)"
            )
        for flag, file in (
            ("--client-cert-path", self.client_cert),
            ("--client-key-path", self.client_key),
            ("--certificate-authority-path", self.certificate_authority),
        ):
            if file is not None and not file.is_file():
                raise CommandError(f'{flag}: no such file "{file}"')

    def transport(self) -> httpx.HTTPTransport:
        """An HTTP transport that presents the client certificate and checks the server's."""
        verify: ssl.SSLContext | bool = True
        if self.url.startswith("https://"):
            verify = self._tls_context()
        return BearerTransport(self.token, verify=verify)

    def _tls_context(self) -> ssl.SSLContext:
        authority = str(self.certificate_authority) if self.certificate_authority else None
        try:
            context = ssl.create_default_context(cafile=authority)
            if self.client_cert is not None:
                key = str(self.client_key) if self.client_key else None
                context.load_cert_chain(str(self.client_cert), key)
        except (OSError, ssl.SSLError) as exc:
            raise CommandError(f"cannot load the certificates of the connection: {exc}") from None
        return context

    def client(self, timeout: float | None = TIMEOUT) -> httpx.Client:
        hooks = {"response": [_log_response]} if self.verbose else {}
        return httpx.Client(
            base_url=self.url,
            transport=self.transport(),
            timeout=httpx.Timeout(TIMEOUT, read=timeout),
            event_hooks=hooks,
        )


class BearerTransport(httpx.HTTPTransport):
    """Adds `Authorization: Bearer <token>` to every request when there is a token."""

    def __init__(self, token: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token = token

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._token and "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self._token}"
        return super().handle_request(request)


def _log_response(response: httpx.Response) -> None:
    request = response.request
    sys.stderr.write(f"{request.method} {request.url} {response.status_code}\n")


def resolve(
    ctx: typer.Context,
    url: str | None,
    client_key_path: Path | None,
    client_cert_path: Path | None,
    certificate_authority_path: Path | None,
) -> Connection:
    """The connection the flags (or their variables, or the CLI's settings) describe."""
    session = ctx.find_object(Session)
    settings = session.settings if session is not None else Settings()
    return Connection(
        url=(url or settings.server_url).rstrip("/"),
        # The root command hoists these flags to itself wherever they appear, so they
        # usually arrive through the settings rather than as this command's own flags.
        client_cert=client_cert_path or settings.client_cert_path,
        client_key=client_key_path or settings.client_key_path,
        certificate_authority=certificate_authority_path or settings.certificate_authority_path,
        token=os.environ.get(TOKEN_VARIABLE) or _secret(settings.token),
        verbose=session.verbose if session is not None else False,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def connected(command: Callable[..., R]) -> Callable[..., R]:
    """Give a command the connection flags; it receives a ready `Cmf` as `cmf`.

    A command that also declares `connection` receives the `Connection` itself
    (the web UI forwarder opens its own client with it).
    """
    signature = inspect.signature(command, eval_str=True)
    injected = {"cmf", "connection"}
    wants_connection = "connection" in signature.parameters
    own = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in signature.parameters.values()
        if p.name not in injected
    ]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in _FLAGS
    ]
    context = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)

    @functools.wraps(command)
    def run(**kwargs: Any) -> R:
        ctx: typer.Context = kwargs.pop(_CONTEXT)
        connection = resolve(ctx, *(kwargs.pop(name) for name, _ in _FLAGS))
        if wants_connection:
            kwargs["connection"] = connection
        with Cmf(connection.client()) as cmf:
            return command(cmf=cmf, **kwargs)

    run.__signature__ = signature.replace(  # type: ignore[attr-defined]  # typer reads it
        parameters=[*own, *added, context]
    )
    return run
