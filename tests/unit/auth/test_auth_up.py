"""`scurry up` / `down` with authentication and TLS on, and the bind rule as `up` reports it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from authkit import CertificateAuthority, write_bindings, write_tokens

from scurry.cli.app import main
from scurry.cli.serverproc import live_process, read_pidfile


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated installation; whatever happens, no background server outlives the test."""
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_USRLIB", "SCURRY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("SCURRY_HOME", str(home))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("SCURRY_PORT", str(sock.getsockname()[1]))
    yield home
    process = live_process(read_pidfile(home / "run" / "server.pid"))
    if process is not None:
        process.kill()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def server_log(home: Path) -> str:
    return (home / "logs" / "server.log").read_text(errors="replace")[-3000:]


def test_up_and_down_over_mtls_and_tokens(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ca, certs = CertificateAuthority("up CA"), tmp_path / "certs"
    server_cert, server_key = ca.server().write(certs, "server")
    client_cert, client_key = ca.client("viewer-bot").write(certs, "client")
    settings = {
        "SCURRY_TLS_CERT_FILE": server_cert,
        "SCURRY_TLS_KEY_FILE": server_key,
        "SCURRY_TLS_CLIENT_CA_FILE": ca.write(certs),
        "SCURRY_AUTH_TOKENS_FILE": write_tokens(tmp_path / "t.yaml", {"root-token": ("root", [])}),
        "SCURRY_AUTH_BINDINGS_FILE": write_bindings(
            tmp_path / "b.yaml", {"role": "cluster-admin", "principals": ["root"]}
        ),
        "SCURRY_CERTIFICATE_AUTHORITY_PATH": ca.write(certs),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))

    up = run(capsys, "up", "--timeout", "60s")
    assert up[0] == 0, f"{up}\n{server_log(home)}"
    assert up[1].startswith("scurry is running at https://127.0.0.1:")
    assert run(capsys, "get", "flinkdeployments")[0] == 7  # no credentials: 401
    monkeypatch.setenv("SCURRY_CLIENT_CERT_PATH", str(client_cert))
    monkeypatch.setenv("SCURRY_CLIENT_KEY_PATH", str(client_key))
    forbidden = run(capsys, "get", "flinkdeployments")
    assert forbidden[0] == 8
    assert forbidden[2].startswith('Error from server (Forbidden): "viewer-bot" may not read')
    assert run(capsys, "--token", "root-token", "get", "flinkdeployments")[0] == 0
    down = run(capsys, "--token", "root-token", "down", "--all")
    assert (down[0], down[1]) == (0, "scurry stopped\n")


def test_up_on_a_public_address_says_why_it_cannot(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCURRY_HOST", "0.0.0.0")
    code, _, err = run(capsys, "up", "--timeout", "60s")
    assert code != 0
    assert "refusing to serve on 0.0.0.0" in err
    up = run(capsys, "up", "--insecure", "--timeout", "60s")
    assert up[0] == 0, f"{up}\n{server_log(home)}"
    assert run(capsys, "down")[0] == 0
