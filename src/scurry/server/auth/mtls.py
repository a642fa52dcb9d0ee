"""mTLS: the server asks for a client certificate signed by a client CA, and the
certificate's subject names the principal.

uvicorn verifies the certificate during the TLS handshake but does not pass it to
the application. `PeerCertH11Protocol` does: when a connection is made it reads
the verified peer certificate from the connection's `ssl_object` and puts it into
every request's scope as the ASGI TLS extension (`scope["extensions"]["tls"]`,
`client_cert_chain` holding PEM), which the auth middleware reads. Any ASGI
server that implements that extension works the same way.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from scurry.config.settings import Settings
from scurry.server.auth.principal import Principal

SUBJECT_FIELDS: Mapping[str, x509.ObjectIdentifier] = {
    "CN": NameOID.COMMON_NAME,
    "UID": NameOID.USER_ID,
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
}
WHOLE_SUBJECT = "DN"  # the principal is the whole subject, as an RFC 4514 string


def tls_extension(ssl_object: ssl.SSLObject | None) -> dict[str, Any]:
    """The ASGI TLS extension for a connection: its verified client certificate, if any."""
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        return {"client_cert_chain": [], "client_cert_name": None, "client_cert_error": None}
    cert = x509.load_der_x509_certificate(der)
    return {
        "client_cert_chain": [cert.public_bytes(Encoding.PEM).decode("ascii")],
        "client_cert_name": cert.subject.rfc4514_string(),
        "client_cert_error": None,
    }


class WithTlsExtension:
    """The app, with one connection's TLS extension added to each request's scope."""

    def __init__(self, app: ASGIApp, tls: dict[str, Any]) -> None:
        self.app, self.tls = app, tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("extensions", {})["tls"] = dict(self.tls)
        await self.app(scope, receive, send)


class PeerCertH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, handing the client certificate to the app."""

    # uvicorn narrows asyncio's BaseTransport to Transport; so does this override.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        self.app = WithTlsExtension(self.app, tls_extension(ssl_object))


def client_certificate(scope: Scope) -> x509.Certificate | None:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    if not chain:
        return None
    return x509.load_pem_x509_certificate(str(chain[0]).encode("ascii"))


def principal_of(cert: x509.Certificate, field: str) -> Principal | None:
    """The principal a certificate's subject names (None if it lacks the field);
    its organizational units are its groups."""
    subject = cert.subject
    if field == WHOLE_SUBJECT:
        name = subject.rfc4514_string()
    else:
        values = subject.get_attributes_for_oid(SUBJECT_FIELDS[field])
        name = str(values[0].value) if values else ""
    units = subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    groups = frozenset(str(unit.value) for unit in units)
    return Principal(name, groups, "mtls") if name else None


def uvicorn_tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config arguments serving TLS and, with a client CA, asking for certificates:
    requiring one when certificates are the only way in (the handshake then refuses a
    client without one), else optional (a client may send a bearer token instead)."""
    if settings.tls_cert_file is None:
        return {}
    options: dict[str, Any] = {
        "ssl_certfile": str(settings.tls_cert_file),
        "ssl_keyfile": str(settings.tls_key_file) if settings.tls_key_file else None,
    }
    if settings.tls_client_ca_file is not None:
        options["ssl_ca_certs"] = str(settings.tls_client_ca_file)
        bearer = settings.auth_tokens_file or settings.auth_jwks_file or settings.auth_jwks_url
        options["ssl_cert_reqs"] = ssl.CERT_OPTIONAL if bearer else ssl.CERT_REQUIRED
        options["http"] = PeerCertH11Protocol
    return options
