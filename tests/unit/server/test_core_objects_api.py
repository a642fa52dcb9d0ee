"""/api/v1 ConfigMaps and Secrets over the installation's real store (SQLite and PostgreSQL).

The app is built by `bootstrap.build` as `scurry server` builds it, so the
store seals Secrets with the installation's key: the database must never
hold a Secret's value in clear, while the API answers Kubernetes' shape.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from serverkit import no_flink

from scurry.bootstrap import Container, build
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.testing.fake_runtime import FakeRuntime

CORE = "/api/v1/namespaces/default"
CLEAR = "hunter2-very-secret"
ENCODED = base64.b64encode(CLEAR.encode()).decode()


@pytest.fixture
async def installation(store_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    settings = Settings(home=tmp_path / "home", database_url=store_url)
    container = await build(settings, runtime=FakeRuntime(), flink_api=no_flink)
    yield container
    await container.close()


@pytest.fixture
async def client(installation: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(installation))
    async with httpx.AsyncClient(transport=transport, base_url="http://scurry") as http:
        yield http


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, **fields}


def config_map(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, **fields}


async def test_a_secret_is_never_stored_in_clear(
    client: httpx.AsyncClient, installation: Container, store_url: str
) -> None:
    created = await client.post(f"{CORE}/secrets", json=secret(stringData={"password": CLEAR}))
    patched = await client.patch(
        f"{CORE}/secrets/db",
        json={"data": {"again": ENCODED}},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert created.status_code == 201, created.text
    assert created.json()["data"] == {"password": ENCODED}
    assert "stringData" not in created.json()
    assert created.json()["type"] == "Opaque"
    assert patched.json()["data"] == {"password": ENCODED, "again": ENCODED}
    read = (await client.get(f"{CORE}/secrets/db")).json()
    assert read["data"] == {"password": ENCODED, "again": ENCODED}
    stored = stored_text(store_url)
    assert CLEAR not in stored
    assert ENCODED not in stored
    assert '"password":"v1:' in stored, "the value is stored sealed"


def stored_text(url: str) -> str:
    """Everything the database holds: the SQLite files' bytes (WAL too), or PostgreSQL's rows."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        files = Path(str(parsed.database)).parent.glob("scurry.db*")
        return "".join(path.read_bytes().decode("latin-1") for path in sorted(files))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT body FROM objects UNION ALL SELECT body FROM changes")
            )
            return "\n".join(row[0] for row in rows)
    finally:
        engine.dispose()


async def test_config_maps_round_trip_with_kubernetes_semantics(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(f"{CORE}/configmaps", json=config_map(data={"A": "1"}))
    listed = await client.get("/api/v1/configmaps")
    first = created.json()
    first["data"] = {"A": "2"}
    updated = await client.put(f"{CORE}/configmaps/app", json=first)
    first["data"] = {"A": "3"}
    stale = await client.put(f"{CORE}/configmaps/app", json=first)
    deleted = await client.delete(f"{CORE}/configmaps/app")

    assert created.status_code == 201
    assert [item["metadata"]["name"] for item in listed.json()["items"]] == ["app"]
    assert updated.json()["data"] == {"A": "2"}
    assert updated.json()["metadata"]["generation"] == 2
    assert stale.status_code == 409
    assert deleted.status_code == 200
    assert (await client.get(f"{CORE}/configmaps/app")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (config_map(data={"bad key": "x"}), 400, "data: key 'bad key': a valid config key"),
        (config_map(binaryData={"b": "%%%"}), 400, "binaryData: key 'b': must be base64"),
        (secret(data={"k": "not base64"}), 400, "data: key 'k': must be base64-encoded"),
        (config_map(data={"a": "1"}, binaryData={"a": "eA=="}), 400, "duplicate of a key"),
    ],
)
async def test_bad_objects_are_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, message: str
) -> None:
    plural = "secrets" if body["kind"] == "Secret" else "configmaps"

    answer = await client.post(f"{CORE}/{plural}", json=body)

    assert answer.status_code == status
    assert message in answer.json()["errors"][0]["message"]
    assert (await client.get(f"/api/v1/{plural}")).json()["items"] == []


async def test_immutable_objects_and_secret_types_do_not_change(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{CORE}/configmaps", json=config_map(data={"a": "1"}, immutable=True))
    await client.post(f"{CORE}/secrets", json=secret(type="kubernetes.io/basic-auth"))

    data = await client.put(
        f"{CORE}/configmaps/app", json=config_map(data={"a": "2"}, immutable=True)
    )
    mutable = await client.put(f"{CORE}/configmaps/app", json=config_map(data={"a": "1"}))
    retyped = await client.put(f"{CORE}/secrets/db", json=secret(type="Opaque"))

    assert data.status_code == 422
    assert "data: Forbidden: field is immutable when `immutable` is set" in data.text
    assert mutable.status_code == 422
    assert retyped.status_code == 422
    assert "type: Invalid value: 'Opaque': field is immutable" in retyped.text


async def test_each_group_serves_only_its_kinds(client: httpx.AsyncClient) -> None:
    flink = "/apis/flink.apache.org/v1beta1"

    assert (await client.get(f"{flink}/namespaces/default/configmaps")).status_code == 404
    assert (await client.get(f"{CORE}/flinkdeployments")).status_code == 404
    assert (await client.get(f"{CORE}/widgets")).status_code == 404
    assert (await client.get(f"{CORE}/events")).json()["kind"] == "EventList"
    discovered = (await client.get(flink)).json()["resources"]
    assert {r["name"] for r in discovered} == {
        "flinkdeployments",
        "flinksessionjobs",
        "flinkstatesnapshots",
    }
