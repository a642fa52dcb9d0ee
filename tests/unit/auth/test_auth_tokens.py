"""Static bearer tokens, the files that configure authentication, and auth being off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from authkit import AuthApp, auth_app, live_server, write_bindings, write_tokens

from scurry.cli.app import main
from scurry.errors import InvalidInput
from scurry.server.auth.watched import WatchedFile, load_yaml

DISCOVERY = "/apis/flink.apache.org/v1beta1"
CHALLENGE = 'Bearer realm="scurry"'


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[AuthApp]:
    async with auth_app(
        tmp_path / "home",
        auth_tokens_file=write_tokens(
            tmp_path / "tokens.yaml", {"s3cret-a": ("alice", ["devs"]), "s3cret-b": ("bob", [])}
        ),
        auth_bindings_file=write_bindings(tmp_path / "bindings.yaml"),
    ) as running:
        yield running


async def test_no_credentials_is_a_401_with_a_bearer_challenge(api: AuthApp) -> None:
    response = await api.request("GET", DISCOVERY)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert response.json() == {
        "errors": [
            {"message": "authentication required: a bearer token (Authorization: Bearer <token>)"}
        ]
    }


async def test_a_known_token_authenticates(api: AuthApp) -> None:
    assert (await api.request("GET", DISCOVERY, "s3cret-a")).status_code == 200
    assert (await api.request("GET", DISCOVERY, "s3cret-b")).status_code == 200


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Bearer s3cret-c", "the bearer token is not valid here"),
        ("Bearer s3cret-a ", None),  # surrounding blanks are not part of the token
        ("Bearer S3CRET-A", "the bearer token is not valid here"),
        ("Basic YWxpY2U6czNjcmV0", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer", "the Authorization header must be 'Bearer <token>'"),
    ],
)
async def test_other_credentials_are_refused(
    api: AuthApp, authorization: str, message: str | None
) -> None:
    response = await api.client.get(DISCOVERY, headers={"Authorization": authorization})
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGE + ', error="invalid_token"'
    assert response.json()["errors"][0]["message"] == message


async def test_healthz_stays_open(api: AuthApp) -> None:
    assert (await api.request("GET", "/healthz")).json()["product"] == "scurry"


async def test_a_token_removed_from_the_file_stops_working(api: AuthApp, tmp_path: Path) -> None:
    write_tokens(tmp_path / "tokens.yaml", {"s3cret-b": ("bob", [])})
    deadline = time.monotonic() + 10.0
    while (await api.request("GET", DISCOVERY, "s3cret-a")).status_code == 200:
        assert time.monotonic() < deadline, "the revoked token still works"
        await asyncio.sleep(0.05)
    assert (await api.request("GET", DISCOVERY, "s3cret-b")).status_code == 200


def test_the_tokens_file_holds_only_hashes(tmp_path: Path) -> None:
    path = write_tokens(tmp_path / "tokens.yaml", {"s3cret-a": ("alice", [])})
    assert "s3cret" not in path.read_text()


def test_a_broken_edit_keeps_the_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\n")
    now = [0.0]
    watched = WatchedFile(path, load_yaml, interval=1.0, clock=lambda: now[0])
    path.write_text("a: [unclosed\n")
    now[0] += 1.0
    assert watched.current() == {"a": 1}
    path.write_text("a: 2\n")
    assert watched.current() == {"a": 1}  # checked a moment ago
    now[0] += 1.0
    assert watched.current() == {"a": 2}


@pytest.mark.parametrize(
    ("tokens", "bindings", "message"),
    [
        (
            "tokens: [{sha256: abc, principal: alice}]",
            "bindings: []",
            "tokens.0.sha256: String should match pattern",
        ),
        (
            "tokens: [{sha256: " + "a" * 64 + "}]",
            "bindings: []",
            "tokens.0.principal: Field required",
        ),
        (
            "tokens: [{sha256: " + "a" * 64 + ", principal: x, token: clear}]",
            "bindings: []",
            "tokens.0.token: Extra inputs are not permitted",
        ),
        ("tokens: [", "bindings: []", "not valid YAML"),
        (
            "tokens: []",
            "bindings: [{role: editor, principals: [a]}]",
            'editor needs environments (a list of names, or ["*"])',
        ),
        (
            "tokens: []",
            "bindings: [{role: cluster-admin, environments: [x], principals: [a]}]",
            "cluster-admin is cluster-wide: it takes no environments",
        ),
        ("tokens: []", "bindings: [{role: viewer, environments: ['*']}]", "names principals"),
        ("tokens: []", "bindings: [{role: owner, principals: [a]}]", "bindings.0.role: Input"),
    ],
)
async def test_a_broken_file_stops_the_server_from_starting(
    tmp_path: Path, tokens: str, bindings: str, message: str
) -> None:
    (tmp_path / "tokens.yaml").write_text(tokens)
    (tmp_path / "bindings.yaml").write_text(bindings)
    with pytest.raises(InvalidInput) as raised:
        async with auth_app(
            tmp_path / "home",
            auth_tokens_file=tmp_path / "tokens.yaml",
            auth_bindings_file=tmp_path / "bindings.yaml",
        ):
            pass
    assert message in raised.value.message
    assert str(tmp_path) in raised.value.message  # names the file


async def test_authentication_without_bindings_is_refused(tmp_path: Path) -> None:
    tokens = write_tokens(tmp_path / "tokens.yaml", {"t": ("p", [])})
    with pytest.raises(InvalidInput, match="no bindings file is set"):
        async with auth_app(tmp_path / "home", auth_tokens_file=tokens):
            pass


async def test_without_auth_settings_nothing_is_asked(tmp_path: Path) -> None:
    async with auth_app(tmp_path / "home") as api:
        for path in (DISCOVERY, "/metrics", "/cmf/api/v1/no-such-thing", "/api/v1/events"):
            assert (await api.request("GET", path)).status_code not in (401, 403), path


async def test_the_cli_sends_a_bearer_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with live_server(
        tmp_path / "home",
        auth_tokens_file=write_tokens(tmp_path / "tokens.yaml", {"s3cret-a": ("alice", [])}),
        auth_bindings_file=write_bindings(
            tmp_path / "bindings.yaml", {"role": "cluster-viewer", "principals": ["alice"]}
        ),
    ) as live:
        get = ["--server", live.url, "get", "flinkdeployments", "-A"]
        assert await asyncio.to_thread(main, get) == 7
        assert capsys.readouterr().err == (
            "Error from server (Unauthorized): authentication required: "
            "a bearer token (Authorization: Bearer <token>)\n"
        )
        assert await asyncio.to_thread(main, [*get, "--token", "s3cret-a"]) == 0
        assert await asyncio.to_thread(main, [*get, "--token=wrong"]) == 7
        monkeypatch.setenv("SCURRY_TOKEN", "s3cret-a")
        assert await asyncio.to_thread(main, get) == 0
        assert (
            await asyncio.to_thread(main, ["--server", live.url, "delete", "flinkdeployments", "x"])
            == 8
        )
        assert 'Error from server (Forbidden): "alice" may not change' in capsys.readouterr().err
