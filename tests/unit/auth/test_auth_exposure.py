"""The bind rule: no authentication, no listening beyond loopback (unless --insecure)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from authkit import write_tokens

from scurry.config.settings import Settings
from scurry.server.auth.exposure import ExposedWithoutAuth, check_exposure, is_loopback

TIMEOUT = 60.0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("no-such-host.invalid", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_public_address_without_auth_is_refused_and_says_why() -> None:
    with pytest.raises(ExposedWithoutAuth) as raised:
        check_exposure(Settings(host="0.0.0.0", port=9999))
    message = raised.value.message
    assert message.startswith("refusing to serve on 0.0.0.0:9999 without authentication")
    assert "--insecure" in message
    assert raised.value.exit_code == 2


def test_auth_or_insecure_lifts_the_rule(tmp_path: Path) -> None:
    check_exposure(Settings(host="0.0.0.0", insecure=True))
    check_exposure(Settings(host="0.0.0.0", auth_tokens_file=tmp_path / "tokens.yaml"))
    check_exposure(Settings(host="127.0.0.1"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCURRY_")}
    return {**env, "SCURRY_HOME": str(home)}


def test_scurry_server_refuses_a_public_address(tmp_path: Path) -> None:
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "scurry", "server", "--host", "0.0.0.0", "--port", str(port)],
        env=server_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: refusing to serve on 0.0.0.0:{port} without auth")
    assert not (tmp_path / "home" / "scurry.db").exists()  # refused before anything else


def test_scurry_server_refuses_auth_without_bindings(tmp_path: Path) -> None:
    tokens = write_tokens(tmp_path / "tokens.yaml", {"t": ("p", [])})
    done = subprocess.run(
        [sys.executable, "-m", "scurry", "server", "--tokens-file", str(tokens)],
        env={**server_env(tmp_path / "home"), "SCURRY_PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert "no bindings file is set (SCURRY_AUTH_BINDINGS_FILE, --bindings-file)" in done.stderr


@pytest.fixture
def insecure_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    command = [sys.executable, "-m", "scurry", "server", "--no-controller", "--insecure"]
    process = subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--port", str(port)],
        env=server_env(tmp_path / "home"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, port
    finally:
        process.terminate()
        process.wait(TIMEOUT)


def test_insecure_lets_it_listen_everywhere(
    insecure_server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = insecure_server
    deadline = time.monotonic() + TIMEOUT
    while True:
        assert process.poll() is None, "the server exited"
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2.0)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.1)
    assert response.json()["product"] == "scurry"
