"""Secrets (sealed at rest, masked in answers) and environment secret mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cmfkit import ALSO_ON_POSTGRES, V1, Cmf, serving
from scurry.services.cmf import secrets as service

SECRETS = f"{V1}/secrets"
MAPPINGS = f"{V1}/environments/prod/secret-mappings"
PLAIN = {
    "bootstrap.servers": "broker-7f3a.example.internal:9092",
    "sasl.jaas.config": "PlainLoginModule required username='key' password='hunter2-9c1e';",
}


def secret(name: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "spec": {"data": PLAIN if data is None else data},
    }


def mapping(name: str, secret_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "EnvironmentSecretMapping",
        "metadata": {"name": name},
        "spec": {"secretName": secret_name},
    }


@ALSO_ON_POSTGRES
async def test_secrets_are_masked_and_versioned(cmf: Cmf) -> None:
    created = await cmf.ok("POST", SECRETS, json=secret("kafka-creds"))
    assert created["spec"]["data"] == {"bootstrap.servers": "****", "sasl.jaas.config": "****"}
    assert created["status"] == {"version": "1", "environments": []}
    assert "already exists" in await cmf.error("POST", SECRETS, 409, json=secret("kafka-creds"))
    updated = await cmf.ok("PUT", f"{SECRETS}/kafka-creds", json=secret("kafka-creds", {"a": "b"}))
    assert updated["spec"]["data"] == {"a": "****"}
    assert updated["status"]["version"] == "2"
    got = await cmf.ok("GET", f"{SECRETS}/kafka-creds")
    assert got == updated
    listed = await cmf.ok("GET", SECRETS)
    assert listed["items"] == [got]
    assert "hunter2" not in str(listed)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("POST", SECRETS, secret("empty", {}), 400, "spec.data: must hold at least one"),
        ("POST", SECRETS, {**secret("kind-x"), "kind": "Other"}, 400, "kind: must be Secret"),
        ("POST", SECRETS, secret("abc"), 400, "metadata.name: size"),
        ("POST", SECRETS, secret("bad-value", {"a": 1}), 400, "spec.data.a"),  # type: ignore[dict-item]
        ("PUT", f"{SECRETS}/ghost", secret("ghost"), 404, 'Secret "ghost" not found'),
        ("PUT", f"{SECRETS}/kafka-creds", secret("another"), 400, "does not match the name"),
        ("PUT", f"{SECRETS}/kafka-creds", secret("kafka-creds", {}), 400, "spec.data"),
    ],
)
async def test_bad_secret_requests(
    cmf: Cmf, method: str, path: str, body: dict[str, Any], status: int, words: str
) -> None:
    await cmf.ok("POST", SECRETS, json=secret("kafka-creds"))
    assert words in await cmf.error(method, path, status, json=body)
    assert (await cmf.ok("GET", f"{SECRETS}/kafka-creds"))["status"]["version"] == "1"


def database_bytes(directory: Path) -> bytes:
    """The SQLite file and its journal, as written to disk."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("cmf.db*")))


async def test_the_database_file_holds_no_secret_in_clear(tmp_path: Path) -> None:
    database = tmp_path / "cmf.db"
    async with serving(tmp_path / "home", database=f"sqlite:///{database}") as cmf:
        await cmf.ok("POST", SECRETS, json=secret("kafka-creds"))
        await cmf.ok("POST", SECRETS, json=secret("second", {"token": "tok-51d0c3e8-zz"}))
        await cmf.ok("PUT", f"{SECRETS}/second", json=secret("second", {"token": "tok-77ab-new"}))
        ctx = cmf.context()
        assert await service.plaintext(ctx, "kafka-creds") == PLAIN  # still readable inside
        assert await service.plaintext(ctx, "second") == {"token": "tok-77ab-new"}
    stored = database_bytes(tmp_path)
    assert b"CmfSecret" in stored  # the records are there...
    for value in (*PLAIN.values(), "tok-51d0c3e8-zz", "tok-77ab-new", "hunter2-9c1e"):
        assert value.encode() not in stored  # ...their values are not


@ALSO_ON_POSTGRES
async def test_mappings_name_existing_secrets_and_are_listed_by_environment(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.ok("POST", SECRETS, json=secret("kafka-creds"))
    await cmf.ok("POST", SECRETS, json=secret("sr-creds"))
    created = await cmf.ok("POST", MAPPINGS, json=mapping("kafka-conn", "kafka-creds"))
    assert created["spec"] == {"secretName": "kafka-creds"}
    assert "already exists" in await cmf.error(
        "POST", MAPPINGS, 409, json=mapping("kafka-conn", "kafka-creds")
    )
    missing = await cmf.error("POST", MAPPINGS, 400, json=mapping("sr-conn", "nope"))
    assert 'spec.secretName: Secret "nope" does not exist' in missing
    no_env = await cmf.error(
        "POST", f"{V1}/environments/nope/secret-mappings", 404, json=mapping("kafka-conn", "x")
    )
    assert 'Environment "nope"' in no_env
    assert (await cmf.ok("GET", f"{SECRETS}/kafka-creds"))["status"]["environments"] == ["prod"]
    env = await cmf.ok("GET", f"{V1}/environments/prod")
    assert env["secrets"] == {"kafka-conn": "kafka-creds"}
    updated = await cmf.ok("PUT", f"{MAPPINGS}/kafka-conn", json=mapping("kafka-conn", "sr-creds"))
    assert updated["spec"] == {"secretName": "sr-creds"}
    assert (await cmf.ok("GET", f"{MAPPINGS}/kafka-conn")) == updated
    listed = await cmf.ok("GET", MAPPINGS)
    assert [m["metadata"]["name"] for m in listed["items"]] == ["kafka-conn"]
    refused = await cmf.error("DELETE", f"{SECRETS}/sr-creds", 409)
    assert "prod" in refused
    await cmf.ok("DELETE", f"{SECRETS}/kafka-creds", 204)
    await cmf.ok("DELETE", f"{MAPPINGS}/kafka-conn", 204)
    await cmf.error("DELETE", f"{MAPPINGS}/kafka-conn", 404)
    await cmf.ok("DELETE", f"{SECRETS}/sr-creds", 204)
    await cmf.error("GET", f"{SECRETS}/sr-creds", 404)


@ALSO_ON_POSTGRES
async def test_secret_search_by_name_or_environment(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.ok("POST", SECRETS, json=secret("kafka-creds"))
    await cmf.ok("POST", SECRETS, json=secret("sr-creds"))
    await cmf.ok("POST", MAPPINGS, json=mapping("conn", "sr-creds"))

    async def names(query: str) -> list[str]:
        return [s["metadata"]["name"] for s in (await cmf.ok("GET", f"{SECRETS}?{query}"))["items"]]

    assert await names("search=kafka&searchScope=name") == ["kafka-creds"]
    assert await names("search=prod&searchScope=environments") == ["sr-creds"]
    assert await names("search=creds&searchScope=name,environments") == ["kafka-creds", "sr-creds"]
