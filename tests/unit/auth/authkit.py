"""Helpers for the auth tests: a PKI, signing keys, tokens and bindings made in the test,
and the real app with authentication on (over an in-memory store, a fake runtime).

Certificates and keys use elliptic curves: generating them takes milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import ipaddress
import json
import socket
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import FastAPI

from scurry import web
from scurry.bootstrap import Container, control_config
from scurry.config.settings import Settings
from scurry.ports import Obj, ResourceStore
from scurry.server.app import create_app
from scurry.server.auth.mtls import uvicorn_tls_options
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

TIMEOUT = 10.0
ISSUER = "https://idp.example.test"
AUDIENCE = "scurry"
NOW = datetime.datetime.now(datetime.UTC)


# --- certificates ---------------------------------------------------------------------------


def _name(cn: str, units: Iterable[str] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    attributes += [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, u) for u in units]
    return x509.Name(attributes)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(_pem_key(self.key))
        return cert_path, key_path


class CertificateAuthority:
    def __init__(self, cn: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(cn)
        self.cert = (
            self._builder(self.name, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def _builder(self, subject: x509.Name, public: ec.EllipticCurvePublicKey) -> Any:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(hours=1))
            .not_valid_after(NOW + datetime.timedelta(days=1))
        )

    def write(self, directory: Path, stem: str = "ca") -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stem}.crt"
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path

    def server(self, host: str = "127.0.0.1") -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
        cert = (
            self._builder(_name("scurry-server"), key.public_key())
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return Issued(cert, key)

    def client(self, cn: str, units: Iterable[str] = ()) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            self._builder(_name(cn, units), key.public_key())
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return Issued(cert, key)


# --- JWT signing keys -----------------------------------------------------------------------


@dataclass
class Signer:
    """An issuer's signing key: its public JWK and tokens signed with it."""

    kid: str
    key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    algorithm: str = "ES256"

    def jwk(self) -> dict[str, Any]:
        public = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def token(self, headers: Mapping[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header = {"kid": self.kid, **(headers or {})}
        return jwt.encode(body, self.key, algorithm=self.algorithm, headers=header)


def jwks(*signers: Signer) -> dict[str, Any]:
    return {"keys": [s.jwk() for s in signers]}


def write_jwks(path: Path, *signers: Signer) -> Path:
    path.write_text(json.dumps(jwks(*signers)))
    return path


# --- tokens and bindings --------------------------------------------------------------------


def write_tokens(path: Path, principals: Mapping[str, tuple[str, Iterable[str]]]) -> Path:
    """A tokens file: token -> (principal, groups); only the hashes are written."""
    entries = [
        {"sha256": hashlib.sha256(token.encode()).hexdigest(), "principal": p, "groups": [*g]}
        for token, (p, g) in principals.items()
    ]
    path.write_text(yaml.safe_dump({"tokens": entries}))
    return path


def write_bindings(path: Path, *bindings: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"bindings": [dict(b) for b in bindings]}))
    return path


def environment(name: str, namespace: str) -> Obj:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "CmfEnvironment",
        "metadata": {"name": name, "namespace": ""},
        "spec": {"kubernetesNamespace": namespace},
    }


# --- the app --------------------------------------------------------------------------------


@dataclass
class AuthApp:
    app: FastAPI
    client: httpx.AsyncClient
    store: ResourceStore
    container: Container

    async def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.request(method, path, headers=headers, **kwargs)


@contextlib.asynccontextmanager
async def auth_app(home: Path, **settings: Any) -> AsyncIterator[AuthApp]:
    """The real app with `settings` (authentication among them), served in-process."""
    store = await open_sql_store("sqlite://")
    runtime = FakeRuntime()
    config = Settings(home=home, defaults_file=None, **settings)
    container = Container(config, store, runtime, runtime.flink_api, control_config(config))
    app = create_app(container, extensions=[web.install])
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://scurry") as client:
            yield AuthApp(app, client, store, container)
    finally:
        await store.close()


class QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the test runner keeps Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Live:
    url: str
    store: ResourceStore


@contextlib.asynccontextmanager
async def live_server(home: Path, **settings: Any) -> AsyncIterator[Live]:
    """The real app on uvicorn in this loop, on a loopback port, TLS as `settings` say
    (served the way `scurry server` serves it)."""
    store = await open_sql_store("sqlite://")
    runtime = FakeRuntime()
    config = Settings(home=home, defaults_file=None, **settings)
    container = Container(config, store, runtime, runtime.flink_api, control_config(config))
    server = QuietServer(
        uvicorn.Config(
            create_app(container),
            log_level="warning",
            lifespan="on",
            access_log=False,
            **uvicorn_tls_options(config),
        )
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    scheme = "https" if config.tls_cert_file else "http"
    url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.started:
            assert not task.done(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.01)
        yield Live(url, store)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()
        await store.close()
