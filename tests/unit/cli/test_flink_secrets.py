"""`scurry flink secret` and `secret-mapping`: Confluent's inputs as real requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import Run
from cmfclikit import assert_same_shape, box_rows, cli_input, golden, listing_rows

ENV = "test-env"


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_secret_lifecycle(scurry: Run, suffix: str) -> None:
    created = scurry("flink", "secret", "create", cli_input(f"secret__create-successful.{suffix}"))
    updated = scurry(
        "flink", "secret", "update", cli_input(f"secret__update-successful.{suffix}"), "-o", "json"
    )
    described = scurry("flink", "secret", "describe", "test-secret", "-o", "json")
    listed = scurry("flink", "secret", "list")

    assert created.code == 0, created.err
    assert list(box_rows(created.out)) == ["Creation Time", "Name"]
    assert json.loads(updated.out)["metadata"]["name"] == "test-secret"
    secret = json.loads(described.out)
    assert_same_shape(secret, golden("secret__describe-success-json.golden"))
    assert set(secret["spec"]["data"]) == {"bootstrap.servers", "sasl.jaas.config"}
    assert "new-secret" not in described.out  # values never come back in clear
    headers, rows = listing_rows(listed.out)
    assert headers == ["Creation Time", "Name"]
    assert [row[1] for row in rows] == ["test-secret"]


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_invalid_secret_inputs(scurry: Run, suffix: str) -> None:
    create = scurry(
        "flink", "secret", "create", cli_input(f"secret__create-invalid-failure.{suffix}")
    )
    update = scurry(
        "flink", "secret", "update", cli_input(f"secret__update-invalid-failure.{suffix}")
    )

    assert create.code == 1
    assert create.err.strip() == (
        'Error: failed to create secret "invalid-secret": '
        "spec.data: must hold at least one key and value"
    )
    assert update.code == 1
    assert update.err.startswith('Error: failed to update secret "invalid-secret": ')
    assert scurry("flink", "secret", "list").out.strip() == "None found."


def test_secret_delete(scurry: Run) -> None:
    scurry("flink", "secret", "create", cli_input("secret__create-successful.yaml"))

    missing = scurry("flink", "secret", "delete", "non-exist-secret", "--force")
    deleted = scurry("flink", "secret", "delete", "test-secret", stdin="y\n")

    assert missing.err.startswith('Error: Flink secret "non-exist-secret" not found')
    assert deleted.out == (
        'Are you sure you want to delete Flink secret "test-secret"? (y/n): '
        'Deleted Flink secret "test-secret".\n'
    )


@pytest.fixture
def environment(scurry: Run, tmp_path: Path) -> str:
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", "ns-t").code == 0
    assert (
        scurry("flink", "secret", "create", cli_input("secret__create-successful.json")).code == 0
    )
    for name in ("my-actual-secret", "my-updated-secret"):
        body = {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "Secret",
            "metadata": {"name": name},
            "spec": {"data": {"k": "v"}},
        }
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(body))
        assert scurry("flink", "secret", "create", str(path)).code == 0
    return ENV


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_secret_mapping_lifecycle(scurry: Run, environment: str, suffix: str) -> None:
    env = ["--environment", ENV]
    created = scurry(
        "flink",
        "secret-mapping",
        "create",
        cli_input(f"secret-mapping__create-successful.{suffix}"),
        *env,
    )
    updated = scurry(
        "flink",
        "secret-mapping",
        "update",
        cli_input(f"secret-mapping__update-successful.{suffix}"),
        *env,
    )
    described = scurry("flink", "secret-mapping", "describe", "test-mapping", *env, "-o", "json")
    listed = scurry("flink", "secret-mapping", "list", *env)
    deleted = scurry("flink", "secret-mapping", "delete", "test-mapping", *env, "--force")

    assert created.code == 0, created.err
    assert list(box_rows(created.out)) == ["Creation Time", "Name", "Secret Name"]
    assert box_rows(updated.out)["Secret Name"] == "my-updated-secret"
    mapping = json.loads(described.out)
    assert_same_shape(mapping, golden("secret-mapping__describe-success-json.golden"))
    headers, rows = listing_rows(listed.out)
    assert headers == ["Creation Time", "Name", "Secret Name"]
    assert rows[0][1:] == ["test-mapping", "my-updated-secret"]
    assert deleted.out.strip() == 'Deleted Flink secret mapping "test-mapping".'


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_invalid_secret_mapping_inputs(scurry: Run, environment: str, suffix: str) -> None:
    env = ["--environment", ENV]
    scurry("flink", "secret", "delete", "my-actual-secret", "--force")
    create = scurry(
        "flink",
        "secret-mapping",
        "create",
        cli_input(f"secret-mapping__create-invalid-failure.{suffix}"),
        *env,
    )
    update = scurry(
        "flink",
        "secret-mapping",
        "update",
        cli_input(f"secret-mapping__update-invalid-failure.{suffix}"),
        *env,
    )

    assert create.code == 1
    assert create.err.startswith(
        'Error: failed to create secret mapping "invalid-secret-mapping" in the environment '
        '"test-env": '
    )
    assert update.err.startswith(
        'Error: failed to update secret mapping "invalid-secret-mapping" in the environment '
        '"test-env": '
    )


def test_system_info(scurry: Run) -> None:
    human = scurry("flink", "system-info")
    as_json = scurry("flink", "system-info", "-o", "json")

    assert list(box_rows(human.out)) == ["Version", "Revision"]
    info = json.loads(as_json.out)
    assert_same_shape(info, golden("system-info-json.golden"))
    assert info["status"]["version"]
