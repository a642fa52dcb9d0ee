"""`scurry flink application`: Confluent's CLI inputs as real requests, outputs in its shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clikit import LiveServer, Run, running_status
from cmfclikit import assert_same_shape, cli_input, golden, listing_rows

ENV = "default"


@pytest.fixture
def environment(scurry: Run) -> str:
    created = scurry("flink", "environment", "create", ENV, "--kubernetes-namespace", "default-ns")
    assert created.code == 0, created.err
    return ENV


def app(scurry: Run, verb: str, file: str, env: str = ENV, *extra: str) -> tuple[int, str, str]:
    result = scurry("flink", "application", verb, cli_input(file), "--environment", env, *extra)
    return result.code, result.out, result.err


def test_create_new_starts_from_a_detached_savepoint(scurry: Run, environment: str) -> None:
    saved = scurry("flink", "detached-savepoint", "create", "my-app-savepoint", "--path", "/sp/1")
    assert saved.code == 0, saved.err

    code, out, err = app(scurry, "create", "application__create-new.json")

    assert code == 0, err
    created = json.loads(out)
    assert_same_shape(created, golden("application__describe-success.golden"))
    assert created["spec"]["job"]["startFromSavepoint"]["savepointName"] == "my-app-savepoint"
    assert list(created["spec"]) == sorted(created["spec"])  # Go prints maps sorted


def test_create_from_yaml_prints_yaml_when_asked(scurry: Run, environment: str) -> None:
    scurry("flink", "detached-savepoint", "create", "my-app-savepoint", "--path", "/sp/1")

    code, out, err = app(scurry, "create", "application__create-new.yaml", ENV, "-o", "yaml")

    assert code == 0, err
    created = yaml.safe_load(out)
    assert created["metadata"]["name"] == "default-application-3"
    assert_same_shape(created, golden("application__describe-success-yaml.golden"))


def test_human_output_is_still_the_document(scurry: Run, environment: str) -> None:
    code, out, err = app(
        scurry, "create", "application__create-unsuccessful-application.json", ENV, "-o", "human"
    )

    assert code == 0, err
    assert json.loads(out)["metadata"]["name"] == "default-application-failure"


def test_create_refuses_a_duplicate_before_writing(scurry: Run, environment: str) -> None:
    assert app(scurry, "create", "application__create-with-non-existent-environment.json")[0] == 0

    for file in (
        "application__create-duplicate-application.json",
        "application__create-duplicate-application.yaml",
    ):
        code, _, err = app(scurry, "create", file)
        assert code == 1
        assert err.strip() == (
            'Error: application "default-application-1" already exists in the environment "default"'
        )
    described = scurry("flink", "app", "describe", "default-application-1", "--environment", ENV)
    assert json.loads(described.out)["spec"]["image"] == "confluentinc/cp-flink:1.19.1-cp1"


@pytest.mark.parametrize(
    "file",
    [
        "application__create-with-non-existent-environment.json",
        "application__create-with-non-existent-environment.yaml",
    ],
)
def test_create_in_a_missing_environment(scurry: Run, file: str) -> None:
    code, _, err = app(scurry, "create", file, "non-existent")

    assert code == 1
    assert err.startswith(
        'Error: failed to create application "default-application-1" in the environment '
        '"non-existent": '
    )
    assert "non-existent" in err.split(": ", 2)[2]


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("application__update-non-existent.json", "default-application-3"),
        ("application__update-non-existent.yaml", "default-application-3"),
        ("application__update-failure.json", "update-failure-application"),
        ("application__update-with-get-failure.json", "get-failure"),
    ],
)
def test_update_refuses_an_application_that_does_not_exist(
    scurry: Run, environment: str, file: str, name: str
) -> None:
    code, _, err = app(scurry, "update", file)

    assert code == 1
    assert err.strip() == (
        f'Error: application "{name}" does not exist in the environment "default"'
    )


def test_update_in_a_missing_environment(scurry: Run) -> None:
    code, _, err = app(
        scurry, "update", "application__update-with-non-existent-environment.json", "non-existent"
    )

    assert code == 1
    assert err.strip() == (
        'Error: application "default-application-3" does not exist in the environment '
        '"non-existent"'
    )


def seed(scurry: Run, tmp_path: Path, name: str) -> None:
    """An application called `name`, from the full spec of one of Confluent's inputs."""
    body = json.loads(
        Path(cli_input("application__create-unsuccessful-application.json")).read_text()
    )
    body["metadata"]["name"] = name
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body))
    created = scurry("flink", "app", "create", str(path), "--environment", ENV)
    assert created.code == 0, created.err


def test_update_replaces_the_spec(scurry: Run, environment: str, tmp_path: Path) -> None:
    seed(scurry, tmp_path, "default-application-2")

    code, out, err = app(scurry, "update", "application__update-successful.yaml")

    assert code == 0, err
    updated = json.loads(out)
    assert updated["spec"]["serviceAccount"] == "flink-new-service-account"
    assert updated["spec"]["job"]["parallelism"] == 5


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("application__update-successful.json", "default-application-2"),
        ("application__update-successful-savepoint.json", "default-application-s"),
    ],
)
def test_a_partial_spec_replaces_nothing(
    scurry: Run, environment: str, tmp_path: Path, file: str, name: str
) -> None:
    """The POST replaces the whole spec: a spec with only a service account is invalid."""
    scurry("flink", "detached-savepoint", "create", "my-app-savepoint", "--path", "/sp/1")
    seed(scurry, tmp_path, name)

    code, _, err = app(scurry, "update", file)

    assert code == 1
    assert err.startswith(
        f'Error: failed to update application "{name}" in the environment "default": '
    )
    assert f'FlinkApplication "{name}" is invalid: ' in err
    described = scurry("flink", "app", "describe", name, "--environment", ENV)
    assert json.loads(described.out)["spec"]["serviceAccount"] == "flink"


def test_describe_and_list(scurry: Run, live: LiveServer, environment: str) -> None:
    assert app(scurry, "create", "application__create-with-non-existent-environment.json")[0] == 0
    assert app(scurry, "create", "application__create-unsuccessful-application.json")[0] == 0
    live.set_status("default-application-1", running_status(), namespace="default-ns")

    listed = scurry("flink", "application", "list", "--environment", ENV)
    as_json = scurry("flink", "application", "list", "--environment", ENV, "-o", "json")
    described = scurry("flink", "app", "describe", "default-application-1", "--environment", ENV)

    headers, rows = listing_rows(listed.out)
    assert headers == ["Name", "Environment", "Job Name", "Job Status"]
    assert rows == [
        ["default-application-1", "default", "State machine job", "RUNNING"],
        ["default-application-failure", "default", "", ""],
    ]
    assert_same_shape(json.loads(as_json.out), golden("application__list-json.golden"))
    document = json.loads(described.out)
    assert document["status"]["jobStatus"]["state"] == "RUNNING"
    assert_same_shape(document, golden("application__describe-success.golden"))


def test_describe_of_a_missing_application(scurry: Run, environment: str) -> None:
    result = scurry("flink", "app", "describe", "non-existent", "--environment", ENV)

    assert result.code == 1
    assert result.err.startswith(
        'Error: failed to describe application "non-existent" in the environment "default": '
    )


def test_commands_need_their_environment(scurry: Run) -> None:
    result = scurry("flink", "application", "describe", "x-app")

    assert result.code == 2
    assert result.err.strip() == 'Error: required flag(s) "environment" not set'


def test_unsupported_file_format(scurry: Run, tmp_path: Path) -> None:
    path = tmp_path / "app.txt"
    path.write_text("{}")

    result = scurry("flink", "app", "create", str(path), "--environment", ENV)

    assert result.err == (
        "Error: unsupported file format: .txt\n\nSuggestions:\n"
        "    Supported file formats are .json, .yaml, and .yml.\n"
    )


def test_delete(scurry: Run, environment: str) -> None:
    assert app(scurry, "create", "application__create-with-non-existent-environment.json")[0] == 0

    missing = scurry(
        "flink", "app", "delete", "default-application-1", "non-existent", "--environment", ENV
    )
    deleted = scurry(
        "flink", "app", "delete", "default-application-1", "--environment", ENV, "--force"
    )

    assert missing.code == 1
    assert missing.err.startswith('Error: Flink application "non-existent" not found\n')
    assert deleted.out.strip() == 'Deleted Flink application "default-application-1".'
    assert scurry("flink", "app", "list", "--environment", ENV).out.strip() == "None found."


def test_instances_and_events(scurry: Run, environment: str) -> None:
    assert app(scurry, "create", "application__create-with-non-existent-environment.json")[0] == 0
    flags = ["--environment", ENV, "--application", "default-application-1"]

    instances = scurry("flink", "app", "instance", "list", *flags)
    headers, rows = listing_rows(instances.out)
    assert headers == ["Name", "Creation Time", "Job ID", "Job State"]
    assert len(rows) == 1
    described = scurry("flink", "app", "instance", "describe", rows[0][0], *flags)
    assert_same_shape(
        json.loads(described.out), golden("application__instance-describe-success.golden")
    )
    events = scurry("flink", "app", "event", "list", *flags, "-o", "json")
    assert events.code == 0, events.err
    assert_same_shape(json.loads(events.out), golden("application__event-list-json.golden"))
    missing = scurry("flink", "app", "event", "list", "--environment", ENV)
    assert missing.err.strip() == 'Error: required flag(s) "application" not set'
