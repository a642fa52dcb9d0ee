"""`scurry flink savepoint` and `detached-savepoint` against the real API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clikit import LiveServer, Run
from cmfclikit import assert_same_shape, box_rows, cli_input, golden, listing_rows

ENV = "default"
APP = "default-application-1"
OWNER = ["--environment", ENV, "--application", APP]


@pytest.fixture
def application(scurry: Run) -> str:
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", "ns-a").code == 0
    file = cli_input("application__create-with-non-existent-environment.json")
    created = scurry("flink", "app", "create", file, "--environment", ENV)
    assert created.code == 0, created.err
    return APP


def test_create_describe_list_and_delete(scurry: Run, application: str) -> None:
    created = scurry("flink", "savepoint", "create", "sp-one", *OWNER, "--path", "/sp/here")
    described = scurry("flink", "savepoint", "describe", "sp-one", *OWNER, "-o", "json")
    listed = scurry("flink", "savepoint", "list", *OWNER)
    deleted = scurry("flink", "savepoint", "delete", "sp-one", *OWNER, "--force")

    assert created.code == 0, created.err
    rows = box_rows(created.out)
    assert list(rows)[:4] == ["Name", "Application", "Path", "Format"]
    assert rows["Application"] == APP
    assert rows["State"] == "TRIGGER_PENDING"
    document = json.loads(described.out)
    assert_same_shape(document, golden("savepoint__describe-success-json.golden"))
    assert document["spec"] == {"path": "/sp/here", "backoffLimit": 0, "formatType": "CANONICAL"}
    headers, table = listing_rows(listed.out)
    assert headers == [
        "Name",
        "Application",
        "Statement",
        "Path",
        "Format",
        "Backoff Limit",
        "UID",
        "State",
    ]
    assert table[0][:6] == ["sp-one", APP, "", "/sp/here", "CANONICAL", "0"]
    assert deleted.out.strip() == 'Deleted Flink savepoint "sp-one".'


def test_owner_flags_are_one_of_two(scurry: Run, application: str) -> None:
    neither = scurry("flink", "savepoint", "list", "--environment", ENV)
    both = scurry("flink", "savepoint", "list", *OWNER, "--statement", "s")

    assert neither.err.strip() == (
        "Error: at least one of the flags in the group [application statement] is required"
    )
    assert both.err.strip() == (
        "Error: if any flags in the group [application statement] are set none of the others "
        "can be; [application statement] were all set"
    )


def test_detach_needs_a_completed_savepoint(
    scurry: Run, live: LiveServer, application: str
) -> None:
    assert scurry("flink", "savepoint", "create", "sp-two", *OWNER, "--path", "/sp/2").code == 0
    pending = scurry("flink", "savepoint", "detach", "sp-two", *OWNER)
    completed = {"state": "COMPLETED", "path": "file:///sp/2/savepoint-1"}
    live.set_status("sp-two", completed, namespace="ns-a", plural="flinkstatesnapshots")

    detached = scurry("flink", "savepoint", "detach", "sp-two", *OWNER)
    listed = scurry("flink", "detached-savepoint", "list", "-o", "json")

    assert pending.code == 1
    assert pending.err.startswith('Error: failed to detach savepoint "sp-two" in the environment')
    assert "TRIGGER_PENDING" in pending.err
    assert detached.code == 0, detached.err
    assert box_rows(detached.out)["Name"] == "sp-two"
    names = [item["metadata"]["name"] for item in json.loads(listed.out)]
    assert "sp-two" in names


def test_detached_savepoints(scurry: Run) -> None:
    for name in ("test-savepoint1", "test-savepoint2", "other"):
        made = scurry("flink", "detached-savepoint", "create", name, "--path", f"/sp/{name}")
        assert made.code == 0, made.err

    filtered = scurry("flink", "detached-savepoint", "list", "--filter", "test-", "-o", "json")
    as_yaml = scurry("flink", "detached-savepoint", "list", "-o", "yaml", "--page-size", "2")
    table = scurry("flink", "detached-savepoint", "list")
    described = scurry("flink", "detached-savepoint", "describe", "other")

    listed = json.loads(filtered.out)
    assert [item["metadata"]["name"] for item in listed] == ["test-savepoint1", "test-savepoint2"]
    assert_same_shape(listed, golden("detached-savepoint__list-successful-json.golden"))
    assert len(yaml.safe_load(as_yaml.out)) == 3
    headers, _ = listing_rows(table.out)
    assert headers == ["Name", "Path", "Format", "Backoff Limit", "Creation Timestamp", "UID"]
    assert box_rows(described.out)["Path"] == "/sp/other"


def test_detached_savepoint_needs_a_path_and_a_valid_name(scurry: Run) -> None:
    no_path = scurry("flink", "detached-savepoint", "create", "ds-one")
    short = scurry("flink", "detached-savepoint", "create", "ds1", "--path", "/sp/1")
    made = scurry("flink", "detached-savepoint", "create", "ds-one", "--path", "/sp/1")
    deleted = scurry("flink", "detached-savepoint", "delete", "ds-one", stdin="yes\n")
    described = scurry("flink", "detached-savepoint", "describe", "ds-one")

    assert no_path.err.strip() == 'Error: required flag(s) "path" not set'
    assert short.code == 1
    assert short.err.startswith('Error: failed to create detached savepoint "ds1": ')
    assert made.code == 0, made.err
    assert deleted.out.endswith('Deleted Flink detached savepoint "ds-one".\n')
    assert described.code == 1
    assert described.err.startswith('Error: failed to describe detached savepoint "ds-one": ')


def test_an_application_starts_from_a_detached_savepoint(scurry: Run, tmp_path: Path) -> None:
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", "ns-a").code == 0
    scurry("flink", "detached-savepoint", "create", "my-app-savepoint", "--path", "/sp/1")

    created = scurry(
        "flink", "app", "create", cli_input("application__create-new.yaml"), "--environment", ENV
    )

    assert created.code == 0, created.err
