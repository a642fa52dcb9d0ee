"""mTLS over real TLS connections: uvicorn serving the app with a client CA, clients with
certificates made here. The subject's CN becomes the principal, its OUs its groups."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from authkit import (
    CertificateAuthority,
    Live,
    environment,
    live_server,
    write_bindings,
    write_tokens,
)

from scurry.cli.app import main
from scurry.server.auth.mtls import principal_of

DISCOVERY = "/apis/flink.apache.org/v1beta1"


@dataclass
class Pki:
    ca: Path
    server: tuple[Path, Path]
    alice: tuple[Path, Path]  # CN=alice, OU=devs, from the client CA
    bob: tuple[Path, Path]
    mallory: tuple[Path, Path]  # CN=alice too, from another CA
    bindings: Path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca, stranger_ca = CertificateAuthority("scurry test CA"), CertificateAuthority("other CA")
    certs = tmp_path / "certs"
    return Pki(
        ca=ca.write(certs),
        server=ca.server().write(certs, "server"),
        alice=ca.client("alice", units=["devs"]).write(certs, "alice"),
        bob=ca.client("bob").write(certs, "bob"),
        mallory=stranger_ca.client("alice").write(certs, "mallory"),
        bindings=write_bindings(
            tmp_path / "bindings.yaml",
            {"role": "cluster-viewer", "principals": ["root"]},
            {"role": "viewer", "environments": ["dev"], "principals": ["alice"]},
        ),
    )


def client(pki: Pki, url: str, cert: tuple[Path, Path] | None) -> httpx.AsyncClient:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    return httpx.AsyncClient(base_url=url, verify=context, timeout=10.0)


@pytest.fixture
async def mtls_only(tmp_path: Path, pki: Pki) -> AsyncIterator[Live]:
    async with live_server(
        tmp_path / "home",
        tls_cert_file=pki.server[0],
        tls_key_file=pki.server[1],
        tls_client_ca_file=pki.ca,
        auth_bindings_file=pki.bindings,
    ) as live:
        yield live


async def test_the_certificate_subject_is_the_principal(mtls_only: Live, pki: Pki) -> None:
    async with client(pki, mtls_only.url, pki.alice) as http:
        assert (await http.get(DISCOVERY)).status_code == 200
        refused = await http.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"].startswith('"alice" (groups: devs) may not')


async def test_a_client_without_a_certificate_is_refused(mtls_only: Live, pki: Pki) -> None:
    async with client(pki, mtls_only.url, None) as http:
        with pytest.raises(httpx.TransportError):
            await http.get("/healthz")


async def test_a_certificate_from_another_ca_is_refused(mtls_only: Live, pki: Pki) -> None:
    async with client(pki, mtls_only.url, pki.mallory) as http:
        with pytest.raises(httpx.TransportError):
            await http.get(DISCOVERY)


async def test_each_connection_carries_its_own_principal(mtls_only: Live, pki: Pki) -> None:
    async with (
        client(pki, mtls_only.url, pki.alice) as alice,
        client(pki, mtls_only.url, pki.bob) as bob,
    ):
        answers = await asyncio.gather(*(c.get("/metrics") for c in (alice, bob, alice, bob)))
    names = [a.json()["errors"][0]["message"].split(" ")[0] for a in answers]
    assert names == ['"alice"', '"bob"', '"alice"', '"bob"']


async def test_with_tokens_too_a_certificate_is_optional(tmp_path: Path, pki: Pki) -> None:
    tokens = write_tokens(tmp_path / "tokens.yaml", {"s3cret": ("root", [])})
    async with live_server(
        tmp_path / "home",
        tls_cert_file=pki.server[0],
        tls_key_file=pki.server[1],
        tls_client_ca_file=pki.ca,
        auth_tokens_file=tokens,
        auth_bindings_file=pki.bindings,
    ) as live:
        async with client(pki, live.url, None) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get(DISCOVERY)).status_code == 401
            with_token = await http.get("/metrics", headers={"Authorization": "Bearer s3cret"})
            assert with_token.status_code == 200
        async with client(pki, live.url, pki.alice) as http:
            assert (await http.get(DISCOVERY)).status_code == 200
        async with client(pki, live.url, pki.mallory) as http:
            with pytest.raises(httpx.TransportError):
                await http.get(DISCOVERY)


def test_the_principal_field_is_configurable() -> None:
    ca = CertificateAuthority("ca")
    cert = ca.client("carol", units=["ops", "devs"]).cert
    by_cn = principal_of(cert, "CN")
    assert by_cn is not None
    assert (by_cn.name, by_cn.groups, by_cn.method) == ("carol", frozenset({"ops", "devs"}), "mtls")
    by_dn = principal_of(cert, "DN")
    assert by_dn is not None
    assert by_dn.name == "OU=devs,OU=ops,CN=carol"  # RFC 4514 writes the last RDN first
    assert principal_of(cert, "UID") is None


async def test_the_cli_sends_its_client_certificate(
    mtls_only: Live, pki: Pki, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await mtls_only.store.create(environment("dev", "default"))
    monkeypatch.setenv("CONFLUENT_CMF_CLIENT_CERT_PATH", str(pki.alice[0]))
    monkeypatch.setenv("CONFLUENT_CMF_CLIENT_KEY_PATH", str(pki.alice[1]))
    monkeypatch.setenv("CONFLUENT_CMF_CERTIFICATE_AUTHORITY_PATH", str(pki.ca))
    code = await asyncio.to_thread(main, ["--server", mtls_only.url, "get", "flinkdeployments"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    code = await asyncio.to_thread(
        main, ["--server", mtls_only.url, "get", "flinkdeployments", "-A"]
    )
    assert code == 8
    assert capsys.readouterr().err.startswith('Error from server (Forbidden): "alice"')
    monkeypatch.delenv("CONFLUENT_CMF_CLIENT_CERT_PATH")
    monkeypatch.delenv("CONFLUENT_CMF_CLIENT_KEY_PATH")
    code = await asyncio.to_thread(main, ["--server", mtls_only.url, "get", "flinkdeployments"])
    assert code == 5, "without its certificate the client is refused in the handshake"
    flags = ["--client-cert-path", str(pki.alice[0]), "--client-key-path", str(pki.alice[1])]
    code = await asyncio.to_thread(
        main, ["get", "flinkdeployments", "--server", mtls_only.url, *flags]
    )
    assert code == 0, capsys.readouterr().err
