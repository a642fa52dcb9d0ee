"""`scurry flink catalog` and `catalog database` against a live server.

Catalog files point at confluent-kafka's mock:// registry (the server runs in
this process, so it reads the same one) or at a closed port; Confluent's CLI
inputs are used as real requests where their content is valid.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from clikit import Run
from cmfclikit import assert_same_shape, box_rows, cli_input, golden, listing_rows, write_file

from scurry.services.kafkatables import registry


@pytest.fixture
def sr_url() -> Iterator[str]:
    url = f"mock://{uuid.uuid4().hex}"
    yield url
    registry.forget_mock(url)


def catalog(name: str, url: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaCatalog",
        "metadata": {"name": name},
        "spec": {"srInstance": {"connectionConfig": {"schema.registry.url": url}}, **spec},
    }


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_catalog_lifecycle(scurry: Run, tmp_path: Path, sr_url: str, suffix: str) -> None:
    file = write_file(tmp_path, f"cat.{suffix}", catalog("test-catalog", sr_url))
    created = scurry("flink", "catalog", "create", file)
    changed = catalog("test-catalog", sr_url)
    changed["metadata"]["labels"] = {"team": "data"}
    updated = scurry(
        "flink", "catalog", "update", write_file(tmp_path, f"new.{suffix}", changed), "-o", "yaml"
    )
    described = scurry("flink", "catalog", "describe", "test-catalog", "-o", "json")
    listed = scurry("flink", "catalog", "list")
    listed_json = scurry("flink", "catalog", "list", "-o", "json")

    assert created.code == 0, created.err
    assert list(box_rows(created.out)) == ["Creation Time", "Name", "Databases"]
    assert box_rows(created.out)["Name"] == "test-catalog"
    assert updated.code == 0, updated.err
    assert yaml.safe_load(updated.out)["metadata"]["labels"] == {"team": "data"}
    document = json.loads(described.out)
    assert_same_shape(document, golden("catalog__describe-success-json.golden"))
    assert document["spec"]["srInstance"]["connectionConfig"] == {"schema.registry.url": sr_url}
    assert document["status"] == {"environmentsWithAccess": []}
    headers, rows = listing_rows(listed.out)
    assert headers == ["Creation Time", "Name", "Databases"]
    assert [row[1:] for row in rows] == [["test-catalog", ""]]
    assert [c["metadata"]["name"] for c in json.loads(listed_json.out)] == ["test-catalog"]


def test_databases_of_a_catalog(scurry: Run, tmp_path: Path, sr_url: str) -> None:
    scurry("flink", "catalog", "create", write_file(tmp_path, "c.json", catalog("shop", sr_url)))
    flag = ["--catalog", "shop"]
    created = scurry(
        "flink",
        "catalog",
        "database",
        "create",
        cli_input("catalog__database__create-successful.json"),
        *flag,
    )
    updated = scurry(
        "flink",
        "catalog",
        "database",
        "update",
        cli_input("catalog__database__update-successful.yaml"),
        *flag,
        "-o",
        "json",
    )
    described = scurry(
        "flink", "catalog", "database", "describe", "test-database", *flag, "-o", "json"
    )
    listed = scurry("flink", "catalog", "database", "list", *flag)
    as_yaml = scurry("flink", "catalog", "database", "list", *flag, "-o", "yaml")
    shown = scurry("flink", "catalog", "describe", "shop")

    assert created.code == 0, created.err
    assert box_rows(created.out) == {
        "Creation Time": box_rows(created.out)["Creation Time"],
        "Name": "test-database",
        "Catalog": "shop",
    }
    assert json.loads(updated.out)["spec"]["kafkaCluster"]["connectionConfig"] == {
        "bootstrap.servers": "localhost:9092"
    }
    document = json.loads(described.out)
    assert_same_shape(document, golden("catalog__database__describe-success-json.golden"))
    assert "catalog" not in document["metadata"]
    headers, rows = listing_rows(listed.out)
    assert headers == ["Creation Time", "Name", "Catalog"]
    assert [row[1:] for row in rows] == [["test-database", "shop"]]
    assert [d["metadata"]["name"] for d in yaml.safe_load(as_yaml.out)] == ["test-database"]
    assert box_rows(shown.out)["Databases"] == "test-database"


def test_deleting_catalogs_and_databases(scurry: Run, tmp_path: Path, sr_url: str) -> None:
    scurry("flink", "catalog", "create", write_file(tmp_path, "c.json", catalog("shop", sr_url)))
    scurry(
        "flink",
        "catalog",
        "database",
        "create",
        cli_input("catalog__database__create-successful.yaml"),
        "--catalog",
        "shop",
    )

    refused = scurry("flink", "catalog", "delete", "shop", "--force")
    missing = scurry("flink", "catalog", "delete", "ghost-catalog", "--force")
    no_db = scurry(
        "flink", "catalog", "database", "delete", "ghost-db", "--catalog", "shop", "--force"
    )
    dropped = scurry(
        "flink", "catalog", "database", "delete", "test-database", "--catalog", "shop", stdin="y\n"
    )
    deleted = scurry("flink", "catalog", "delete", "shop", "--force")

    assert refused.code == 1
    assert refused.err.strip() == (
        'Error: failed to delete shop: KafkaCatalog "shop" contains databases and cannot be '
        "deleted: delete its KafkaDatabases first (test-database)"
    )
    assert missing.err.startswith('Error: Flink catalog "ghost-catalog" not found')
    assert no_db.err.startswith('Error: Flink database "ghost-db" not found')
    assert dropped.out == (
        'Are you sure you want to delete Flink database "test-database"? (y/n): '
        'Deleted Flink database "test-database".\n'
    )
    assert deleted.out == 'Deleted Flink catalog "shop".\n'
    assert scurry("flink", "catalog", "list").out.strip() == "None found."


def test_bad_catalogs_and_databases_are_refused(scurry: Run, tmp_path: Path, sr_url: str) -> None:
    # Confluent's inputs name no Schema Registry (its test server did not need one).
    no_registry = scurry("flink", "catalog", "create", cli_input("catalog__create-successful.json"))
    gone = closed_port_url()
    unreachable = scurry(
        "flink", "catalog", "create", write_file(tmp_path, "c.yaml", catalog("far-cat", gone))
    )
    scurry("flink", "catalog", "create", write_file(tmp_path, "s.json", catalog("shop", sr_url)))
    no_flag = scurry(
        "flink",
        "catalog",
        "database",
        "create",
        cli_input("catalog__database__create-successful.json"),
    )
    bad_db = scurry(
        "flink",
        "catalog",
        "database",
        "create",
        cli_input("catalog__database__create-invalid-failure.json"),
        "--catalog",
        "shop",
    )
    no_catalog = scurry("flink", "catalog", "database", "list", "--catalog", "ghost-catalog")

    assert no_registry.code == 1
    assert no_registry.err.strip() == (
        'Error: failed to create catalog "test-catalog": spec.srInstance: required field is missing'
    )
    assert unreachable.code == 1
    assert unreachable.err.startswith(
        'Error: failed to create catalog "far-cat": spec.srInstance.connectionConfig: the '
        f"Schema Registry at {gone} cannot be reached"
    )
    assert no_flag.code == 2
    assert 'required flag(s) "catalog" not set' in no_flag.err
    assert bad_db.err.strip() == (
        'Error: failed to create database "invalid-database" in the catalog "shop": '
        "spec.kafkaCluster.connectionConfig: must give bootstrap.servers"
    )
    assert no_catalog.err.strip() == (
        'Error: failed to list databases in the catalog "ghost-catalog": '
        'KafkaCatalog "ghost-catalog" not found'
    )
    listed = json.loads(scurry("flink", "catalog", "list", "-o", "json").out)
    assert [c["metadata"]["name"] for c in listed] == ["shop"]
