"""OIDC JWT bearer tokens: keys made here, a JWKS from a file and from a small HTTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from authkit import AUDIENCE, ISSUER, AuthApp, Signer, auth_app, jwks, write_bindings, write_jwks
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from scurry.config.settings import Settings
from scurry.errors import InvalidInput, Unavailable
from scurry.server.auth.jwks import JwksSource
from scurry.server.auth.principal import InvalidCredentials

DISCOVERY = "/apis/flink.apache.org/v1beta1"  # any principal may read it


class JwksServer:
    """An issuer's JWKS endpoint on a loopback port; counts what it serves."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document, self.requests = document, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.http.shutdown()
        self.http.server_close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signer() -> Signer:
    return Signer("key-1")


@pytest.fixture
async def api(tmp_path: Path, signer: Signer) -> AsyncIterator[AuthApp]:
    async with auth_app(
        tmp_path / "home",
        auth_jwks_file=write_jwks(tmp_path / "jwks.json", signer),
        auth_jwt_issuer=ISSUER,
        auth_jwt_audience=AUDIENCE,
        auth_bindings_file=write_bindings(
            tmp_path / "bindings.yaml", {"role": "cluster-viewer", "principals": ["root"]}
        ),
    ) as running:
        yield running


async def refusal(api: AuthApp, token: str) -> str:
    response = await api.request("GET", DISCOVERY, token)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="scurry", error="invalid_token"'
    message: str = response.json()["errors"][0]["message"]
    return message


async def test_a_good_token_names_the_principal_and_its_groups(
    api: AuthApp, signer: Signer
) -> None:
    token = signer.token(sub="alice", groups=["devs", "ops"])
    assert (await api.request("GET", DISCOVERY, token)).status_code == 200
    refused = await api.request("GET", "/metrics", token)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"].startswith('"alice" (groups: devs, ops) may not')
    assert (await api.request("GET", "/metrics", signer.token(sub="root"))).status_code == 200


def seconds_from_now(offset: int) -> int:
    return int(time.time()) + offset


# Claims are made when the test runs (not when it is collected): times are relative.
@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (lambda: {"exp": seconds_from_now(-120)}, "the token has expired"),
        (lambda: {"nbf": seconds_from_now(120)}, "the token is not valid yet"),
        (lambda: {"aud": "someone-else"}, "the token is not for this audience"),
        (lambda: {"iss": "https://evil.example.test"}, "the token is from another issuer"),
        (lambda: {"exp": None}, "the token lacks a required claim"),
        (lambda: {"sub": None}, "the token has no principal"),
    ],
)
async def test_a_token_that_does_not_hold_is_refused(
    api: AuthApp, signer: Signer, claims: Callable[[], dict[str, Any]], reason: str
) -> None:
    assert (await refusal(api, signer.token(**claims()))).startswith(reason)


async def test_the_leeway_forgives_a_little_clock_skew(api: AuthApp, signer: Signer) -> None:
    token = signer.token(exp=int(time.time()) - 5, nbf=int(time.time()) + 5)
    assert (await api.request("GET", DISCOVERY, token)).status_code == 200


async def test_an_unknown_key_id_is_refused(api: AuthApp) -> None:
    message = await refusal(api, Signer("key-2").token())
    assert message == "the token is signed with a key the issuer does not publish (kid 'key-2')"


async def test_a_bad_signature_is_refused(api: AuthApp) -> None:
    impostor = Signer("key-1")  # the right key id, another key
    message = await refusal(api, impostor.token())
    assert message.startswith("the token's signature does not verify")
    token = Signer("key-1").token()
    head, body, signature = token.split(".")
    tampered = json.loads(base64.urlsafe_b64decode(body + "=="))
    tampered["sub"] = "root"
    forged = base64.urlsafe_b64encode(json.dumps(tampered).encode()).rstrip(b"=").decode()
    assert "signature" in await refusal(api, f"{head}.{forged}.{signature}")


async def test_alg_none_is_refused(api: AuthApp) -> None:
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "root", "exp": int(time.time()) + 60},
        None,
        algorithm="none",
        headers={"kid": "key-1"},
    )
    assert await refusal(api, unsigned) == (
        "token algorithm 'none' is not allowed (allowed: RS256, ES256)"
    )


async def test_the_public_key_as_an_hmac_secret_is_refused(api: AuthApp, signer: Signer) -> None:
    """Algorithm confusion: HS256 keyed with the issuer's public key."""
    public = signer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "root", "exp": int(time.time()) + 60}
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"key-1","typ":"JWT"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    mac = hmac.new(public, header + b"." + payload, hashlib.sha256).digest()
    token = b".".join([header, payload, base64.urlsafe_b64encode(mac).rstrip(b"=")]).decode()
    assert (await refusal(api, token)).startswith("token algorithm 'HS256' is not allowed")


async def test_a_token_that_is_not_a_jwt_is_refused(api: AuthApp) -> None:
    assert await refusal(api, "not-a-jwt") == "the bearer token is not valid here"
    assert (await refusal(api, "a.b.c")).startswith("the bearer token is not a valid JWT")


async def test_the_claims_naming_principal_and_groups_are_configurable(
    tmp_path: Path, signer: Signer
) -> None:
    async with auth_app(
        tmp_path / "home",
        auth_jwks_file=write_jwks(tmp_path / "jwks.json", signer),
        auth_jwt_issuer=ISSUER,
        auth_jwt_audience=AUDIENCE,
        auth_jwt_principal_claim="email",
        auth_jwt_groups_claim="roles",
        auth_bindings_file=write_bindings(
            tmp_path / "b.yaml", {"role": "cluster-viewer", "groups": ["monitoring"]}
        ),
    ) as api:
        token = signer.token(email="carol@example.test", roles="monitoring audit")
        assert (await api.request("GET", "/metrics", token)).status_code == 200
        refused = await api.request("POST", "/admin/stop-clusters", token)
    assert refused.json()["errors"][0]["message"].startswith(
        '"carol@example.test" (groups: audit, monitoring) may not change'
    )


@pytest.fixture
def issuer() -> Iterator[tuple[JwksServer, Signer]]:
    first = Signer("key-1")
    with JwksServer(jwks(first)) as server:
        yield server, first


async def test_keys_come_from_a_url_and_are_cached(
    tmp_path: Path, issuer: tuple[JwksServer, Signer]
) -> None:
    server, signer = issuer
    async with auth_app(
        tmp_path / "home",
        auth_jwks_url=server.url,
        auth_jwt_issuer=ISSUER,
        auth_jwt_audience=AUDIENCE,
        auth_bindings_file=write_bindings(
            tmp_path / "b.yaml", {"role": "cluster-admin", "principals": ["x"]}
        ),
    ) as api:
        for _ in range(5):
            assert (await api.request("GET", DISCOVERY, signer.token())).status_code == 200
    assert server.requests == 1


async def test_an_unknown_key_id_refreshes_the_keys_at_most_so_often(
    issuer: tuple[JwksServer, Signer],
) -> None:
    server, first = issuer
    clock = FakeClock()
    keys = JwksSource(url=server.url, min_refresh=10.0, clock=clock)
    assert (await keys.key("key-1")).kid == "key-1"
    rotated = Signer("key-2")
    with pytest.raises(InvalidCredentials):
        await keys.key("key-2")  # the keys were fetched just now: not again
    assert server.requests == 1
    clock.now += 10.0
    with pytest.raises(InvalidCredentials):
        await keys.key("key-2")  # not published yet: one refresh, still unknown
    assert server.requests == 2
    server.document = jwks(first, rotated)
    with pytest.raises(InvalidCredentials):
        await keys.key("key-2")  # within min_refresh of the last try: no request
    assert server.requests == 2
    clock.now += 10.0
    assert (await keys.key("key-2")).kid == "key-2"
    assert server.requests == 3
    clock.now += 299.0
    assert (await keys.key("key-1")).kid == "key-1"  # cached, known
    assert server.requests == 3
    clock.now += 1.0
    await keys.key("key-1")  # older than max_age: refreshed
    assert server.requests == 4


async def test_keys_that_cannot_be_loaded_make_the_server_unavailable(tmp_path: Path) -> None:
    keys = JwksSource(file=tmp_path / "missing.json")
    with pytest.raises(Unavailable, match="cannot load the signing keys"):
        await keys.key("key-1")
    async with auth_app(
        tmp_path / "home",
        auth_jwks_url="http://127.0.0.1:9/jwks.json",
        auth_jwt_issuer=ISSUER,
        auth_jwt_audience=AUDIENCE,
        auth_bindings_file=write_bindings(
            tmp_path / "b.yaml", {"role": "cluster-admin", "principals": ["x"]}
        ),
    ) as api:
        response = await api.request("GET", DISCOVERY, Signer("k").token())
    assert response.status_code == 503
    assert "cannot load the signing keys from http://127.0.0.1:9/jwks.json" in response.text


async def test_cached_keys_survive_an_issuer_outage(issuer: tuple[JwksServer, Signer]) -> None:
    server, _ = issuer
    clock = FakeClock()
    keys = JwksSource(url=server.url, clock=clock)
    await keys.key("key-1")
    server.__exit__()
    clock.now += 1000.0
    assert (await keys.key("key-1")).kid == "key-1"


def test_jwt_settings_refuse_symmetric_algorithms() -> None:
    with pytest.raises(ValidationError, match="auth_jwt_algorithms"):
        Settings(auth_jwt_algorithms="RS256,HS256")


async def test_jwt_needs_issuer_and_audience(tmp_path: Path, signer: Signer) -> None:
    with pytest.raises(InvalidInput, match="SCURRY_AUTH_JWT_ISSUER and SCURRY_AUTH_JWT_AUDIENCE"):
        async with auth_app(
            tmp_path / "home",
            auth_jwks_file=write_jwks(tmp_path / "jwks.json", signer),
            auth_bindings_file=write_bindings(tmp_path / "b.yaml"),
        ):
            pass
