"""Where `scurry flink` connects and with which credentials: URL precedence, TLS, mTLS, tokens."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import LiveServer, Run, free_port
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

URL_VARIABLES = ("SCURRY_URL", "CONFLUENT_CMF_URL", "SCURRY_TOKEN")


@pytest.fixture(autouse=True)
def no_connection_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in URL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("CLIENT_CERT_PATH", "CLIENT_KEY_PATH", "CERTIFICATE_AUTHORITY_PATH"):
        monkeypatch.delenv(f"SCURRY_{name}", raising=False)
        monkeypatch.delenv(f"CONFLUENT_CMF_{name}", raising=False)


def nowhere() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_url_defaults_to_the_local_server(
    cli: Run, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCURRY_PORT", live.url.rsplit(":", 1)[1])

    assert cli("flink", "system-info").code == 0


@pytest.mark.parametrize("variable", ["SCURRY_URL", "CONFLUENT_CMF_URL"])
def test_url_from_the_environment(
    cli: Run, live: LiveServer, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv("SCURRY_SERVER", nowhere())
    monkeypatch.setenv(variable, live.url)

    assert cli("flink", "system-info").code == 0


def test_precedence_flag_then_scurry_url_then_confluents(
    cli: Run, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENT_CMF_URL", live.url)
    monkeypatch.setenv("SCURRY_URL", nowhere())
    through_variable = cli("flink", "system-info")
    through_flag = cli("flink", "system-info", "--url", live.url)

    assert through_variable.code == 1
    assert through_variable.err.startswith("Error: failed to get system information: cannot reach")
    assert through_flag.code == 0


def test_a_server_that_does_not_answer(cli: Run) -> None:
    url = nowhere()

    result = cli("flink", "environment", "list", "--url", url)

    assert result.code == 1
    assert result.err.startswith(f"Error: failed to list environments: cannot reach {url}: ")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    root = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = _certificate(ca_name, ca_name, ca_key, ca_key, ca=True)
    files = {"ca": _write(root / "ca.pem", ca)}
    for who in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, who)])
        files[who] = _write(root / f"{who}.pem", _certificate(name, ca_name, key, ca_key))
        files[f"{who}-key"] = root / f"{who}-key.pem"
        files[f"{who}-key"].write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return files


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signer, hashes.SHA256())


def _write(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture
def mtls_server(installation: Path, pki: dict[str, Path]) -> Iterator[LiveServer]:
    """The API over https, asking every client for a certificate signed by the test CA."""
    tls = {
        "ssl_certfile": str(pki["server"]),
        "ssl_keyfile": str(pki["server-key"]),
        "ssl_ca_certs": str(pki["ca"]),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    server = LiveServer(installation, tls=tls)
    server.start()
    yield server
    server.stop()


def test_mutual_tls_with_the_flags(cli: Run, mtls_server: LiveServer, pki: dict[str, Path]) -> None:
    result = cli(
        "flink",
        "system-info",
        "--url",
        mtls_server.url,
        "--certificate-authority-path",
        str(pki["ca"]),
        "--client-cert-path",
        str(pki["client"]),
        "--client-key-path",
        str(pki["client-key"]),
    )

    assert result.code == 0, result.err


def test_mutual_tls_with_confluents_variables(
    cli: Run, mtls_server: LiveServer, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENT_CMF_URL", mtls_server.url)
    monkeypatch.setenv("CONFLUENT_CMF_CERTIFICATE_AUTHORITY_PATH", str(pki["ca"]))
    monkeypatch.setenv("CONFLUENT_CMF_CLIENT_CERT_PATH", str(pki["client"]))
    monkeypatch.setenv("CONFLUENT_CMF_CLIENT_KEY_PATH", str(pki["client-key"]))

    assert cli("flink", "environment", "list").code == 0


def test_without_a_client_certificate_the_server_refuses(
    cli: Run, mtls_server: LiveServer, pki: dict[str, Path]
) -> None:
    unknown_ca = cli("flink", "system-info", "--url", mtls_server.url)
    no_client = cli(
        "flink",
        "system-info",
        "--url",
        mtls_server.url,
        "--certificate-authority-path",
        str(pki["ca"]),
    )

    assert unknown_ca.code == 1
    assert "certificate verify failed" in unknown_ca.err
    assert no_client.code == 1
    assert no_client.err.startswith("Error: failed to get system information: ")


def test_certificate_flags_are_checked(cli: Run, tmp_path: Path) -> None:
    key_only = cli("flink", "system-info", "--client-key-path", str(tmp_path))
    absent = cli("flink", "system-info", "--certificate-authority-path", str(tmp_path / "no.pem"))

    assert key_only.err.strip() == (
        "Error: --client-key-path needs --client-cert-path (the certificate it belongs to)"
    )
    assert (
        absent.err.strip()
        == f'Error: --certificate-authority-path: no such file "{tmp_path / "no.pem"}"'
    )


class Recorder(http.server.ThreadingHTTPServer):
    """Answers the system information and remembers the Authorization header it got."""

    daemon_threads = True
    authorization: str | None = None


class RecorderHandler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.authorization = self.headers.get("Authorization")
        body = b'{"status": {"version": "1", "revision": "r"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def test_a_token_is_sent_as_a_bearer(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(("127.0.0.1", 0), RecorderHandler)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    monkeypatch.setenv("SCURRY_TOKEN", "s3cret-token")
    try:
        result = cli(
            "flink", "system-info", "--url", f"http://127.0.0.1:{recorder.server_address[1]}"
        )
    finally:
        recorder.shutdown()
        recorder.server_close()

    assert result.code == 0, result.err
    assert recorder.authorization == "Bearer s3cret-token"


def test_unreadable_certificates_are_an_error(cli: Run, tmp_path: Path) -> None:
    not_pem = tmp_path / "client.pem"
    not_pem.write_text("not a certificate")

    result = cli(
        "flink", "system-info", "--url", "https://127.0.0.1:1", "--client-cert-path", str(not_pem)
    )

    assert result.code == 1
    assert result.err.startswith("Error: cannot load the certificates of the connection: ")
