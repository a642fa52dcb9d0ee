"""The flags of `scurry server`: each overrides the SCURRY_* setting of the same meaning."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# flag -> (Settings field, help); every one is also an environment variable SCURRY_<FIELD>.
OPTIONS: Sequence[tuple[str, str, str]] = (
    ("--host", "host", "address to listen on (default 127.0.0.1)"),
    ("--port", "port", "port to listen on (default 8080)"),
    ("--tls-cert-file", "tls_cert_file", "serve HTTPS with this certificate (PEM)"),
    ("--tls-key-file", "tls_key_file", "the certificate's private key (PEM)"),
    ("--client-ca-file", "tls_client_ca_file", "authenticate clients by certificates of this CA"),
    ("--mtls-principal-field", "auth_mtls_principal_field", "subject field naming the principal"),
    ("--tokens-file", "auth_tokens_file", "authenticate static bearer tokens (SHA-256 file)"),
    ("--jwks-file", "auth_jwks_file", "authenticate JWTs signed by the keys in this JWKS file"),
    ("--jwks-url", "auth_jwks_url", "authenticate JWTs signed by the keys at this JWKS URL"),
    ("--jwt-issuer", "auth_jwt_issuer", "the issuer (iss) JWTs must name"),
    ("--jwt-audience", "auth_jwt_audience", "the audience (aud) JWTs must name"),
    ("--jwt-algorithms", "auth_jwt_algorithms", "allowed JWT algorithms (default RS256,ES256)"),
    ("--jwt-principal-claim", "auth_jwt_principal_claim", "claim naming the principal (sub)"),
    ("--jwt-groups-claim", "auth_jwt_groups_claim", "claim listing the groups (groups)"),
    ("--bindings-file", "auth_bindings_file", "roles of principals and groups (YAML)"),
)


@dataclass(frozen=True)
class ServerArgs:
    overrides: dict[str, Any]
    with_controller: bool


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scurry server",
        description="Run the API server and the controller in the foreground. Every flag "
        "has an environment variable: SCURRY_ and the setting's name (e.g. SCURRY_HOST, "
        "SCURRY_AUTH_TOKENS_FILE, SCURRY_TLS_CLIENT_CA_FILE); SCURRY_HOME sets the data home.",
    )
    parser.add_argument("--no-controller", action="store_true", help="serve the API only")
    parser.add_argument(
        "--insecure",
        action="store_true",
        default=None,
        help="listen on a non-loopback address without authentication (something else guards it)",
    )
    for flag, field, text in OPTIONS:
        parser.add_argument(flag, dest=field, metavar=metavar(flag), help=text)
    return parser


def metavar(flag: str) -> str:
    return flag.rsplit("-", 1)[-1].upper()


def parse_server_args(args: Sequence[str]) -> ServerArgs:
    """Parse the flags (argparse exits with usage on bad ones); unset flags override nothing."""
    namespace = vars(parser().parse_args(list(args)))
    with_controller = not namespace.pop("no_controller")
    overrides = {field: value for field, value in namespace.items() if value is not None}
    return ServerArgs(overrides, with_controller)
