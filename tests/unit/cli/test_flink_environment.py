"""`scurry flink environment`: the confluent CLI's environment commands against the real API."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from clikit import Run
from cmfclikit import assert_same_shape, box_rows, cli_input, golden, listing_rows

ENV_BOX = [
    "Name",
    "Kubernetes Namespace",
    "Created Time",
    "Updated Time",
    "Flink Application Defaults",
    "Flink Compute Pool Defaults",
    "Detached Statement Defaults",
    "Interactive Statement Defaults",
]


def create(scurry: Run, name: str, namespace: str = "flink-ns", *extra: str) -> None:
    result = scurry(
        "flink", "environment", "create", name, "--kubernetes-namespace", namespace, *extra
    )
    assert result.code == 0, result.err


def test_create_prints_the_environment_as_a_box(scurry: Run) -> None:
    result = scurry("flink", "environment", "create", "default", "--kubernetes-namespace", "team-a")

    assert result.code == 0, result.err
    rows = box_rows(result.out)
    assert list(rows) == ENV_BOX
    assert rows["Name"] == "default"
    assert rows["Kubernetes Namespace"] == "team-a"
    assert rows["Created Time"].endswith(" +0000 UTC")
    assert rows["Flink Application Defaults"] == "null"
    assert result.out.startswith("+-")
    assert result.out.rstrip().endswith("-+")


def test_create_with_every_kind_of_defaults_from_files(scurry: Run) -> None:
    result = scurry(
        "flink",
        "env",
        "create",
        "default-2",
        "--kubernetes-namespace",
        "default-staging",
        "--defaults",
        cli_input("environment__application-defaults.json"),
        "--statement-defaults",
        cli_input("environment__statement-defaults.json"),
        "--compute-pool-defaults",
        cli_input("environment__compute-pool-defaults.json"),
    )

    assert result.code == 0, result.err
    rows = box_rows(result.out)
    assert json.loads(rows["Flink Application Defaults"]) == json.loads(
        Path(cli_input("environment__application-defaults.json")).read_text()
    )
    assert rows["Flink Compute Pool Defaults"] == (
        '{"metadata":{"name":"test-pool"},"spec":{"type":"DEDICATED"}}'
    )
    assert rows["Detached Statement Defaults"] == '{"flinkConfiguration":{"key1":"value1"}}'
    assert rows["Interactive Statement Defaults"] == '{"flinkConfiguration":{"key2":"value2"}}'


def test_json_output_has_the_shape_of_confluents(scurry: Run) -> None:
    result = scurry(
        "flink",
        "environment",
        "create",
        "default-2",
        "--kubernetes-namespace",
        "staging",
        "--defaults",
        cli_input("environment__application-defaults.json"),
        "-o",
        "json",
    )

    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert_same_shape(created, golden("environment__create-success-with-defaults-json.golden"))
    assert [k for k in created if k != "secrets"][:4] == [
        "name",
        "created_time",
        "updated_time",
        "flinkApplicationDefaults",
    ]
    assert created["kubernetesNamespace"] == "staging"


def test_yaml_output_of_describe(scurry: Run) -> None:
    create(scurry, "default", "default-namespace")

    result = scurry("flink", "environment", "describe", "default", "--output", "yaml")

    assert result.code == 0, result.err
    described = yaml.safe_load(result.out)
    assert_same_shape(described, golden("environment__describe-success-yaml.golden"))
    assert described["kubernetesNamespace"] == "default-namespace"
    assert result.out.startswith(("secrets:", "name:"))


def test_create_refuses_an_existing_environment_before_writing(scurry: Run) -> None:
    create(scurry, "default", "first")

    result = scurry("flink", "environment", "create", "default", "--kubernetes-namespace", "other")

    assert result.code == 1
    assert result.err.strip() == 'Error: environment "default" already exists'
    shown = box_rows(scurry("flink", "environment", "describe", "default").out)
    assert shown["Kubernetes Namespace"] == "first"


def test_create_needs_the_namespace_flag(scurry: Run) -> None:
    result = scurry("flink", "environment", "create", "default")

    assert result.code == 2
    assert result.err.strip() == 'Error: required flag(s) "kubernetes-namespace" not set'


def test_update_changes_only_the_defaults_it_is_given(scurry: Run) -> None:
    create(
        scurry,
        "default",
        "team-a",
        "--compute-pool-defaults",
        cli_input("environment__compute-pool-defaults.json"),
    )

    result = scurry(
        "flink",
        "environment",
        "update",
        "default",
        "--defaults",
        '{"spec": {"flinkConfiguration": {"parallelism.default": "2"}}}',
    )

    assert result.code == 0, result.err
    rows = box_rows(result.out)
    assert rows["Flink Application Defaults"] == (
        '{"spec":{"flinkConfiguration":{"parallelism.default":"2"}}}'
    )
    assert rows["Flink Compute Pool Defaults"] != "null"
    assert rows["Kubernetes Namespace"] == "team-a"


def test_update_of_a_missing_environment(scurry: Run) -> None:
    result = scurry("flink", "environment", "update", "non-existent", "--defaults", "{}")

    assert result.code == 1
    assert result.err.strip() == 'Error: environment "non-existent" does not exist'


def test_update_needs_one_of_the_defaults(scurry: Run) -> None:
    create(scurry, "default")

    result = scurry("flink", "environment", "update", "default")

    assert result.code == 2
    assert result.err.strip() == (
        "Error: at least one of the flags in the group "
        "[defaults statement-defaults compute-pool-defaults] is required"
    )


def test_bad_defaults_are_refused_naming_them(scurry: Run, tmp_path: Path) -> None:
    inline = scurry(
        "flink",
        "environment",
        "create",
        "x-env",
        "--kubernetes-namespace",
        "n",
        "--defaults",
        "{not json",
    )
    missing = scurry(
        "flink",
        "environment",
        "create",
        "x-env",
        "--kubernetes-namespace",
        "n",
        "--statement-defaults",
        str(tmp_path / "absent.yaml"),
    )

    assert inline.code == 1
    assert inline.err.startswith("Error: failed to parse application defaults: line 1:")
    assert missing.err.startswith("Error: failed to read statement defaults YAML file:")
    assert "None found." in scurry("flink", "environment", "list").out


def test_describe_of_a_missing_environment_gives_the_servers_reason(scurry: Run) -> None:
    result = scurry("flink", "environment", "describe", "non-existent")

    assert result.code == 1
    assert result.err.startswith('Error: failed to describe environment "non-existent": ')
    assert "not found" in result.err


def test_list_walks_every_page_until_an_empty_one(scurry: Run) -> None:
    for name in ("env-c", "env-a", "env-b"):
        create(scurry, name, f"ns-{name}")

    result = scurry("-v", "flink", "environment", "list", "--page-size", "1")

    assert result.code == 0, result.err
    headers, rows = listing_rows(result.out)
    assert headers == ["Name", "Kubernetes Namespace", "Created Time", "Updated Time"]
    assert [row[0] for row in rows] == ["env-a", "env-b", "env-c"]  # sorted, as Confluent's
    pages = [line for line in result.err.splitlines() if "/cmf/api/v1/environments?" in line]
    assert len(pages) == 4  # three pages of one, then the empty one that ends the walk
    assert all("size=1" in line for line in pages)


def test_list_as_json_is_a_bare_array_in_confluents_shape(scurry: Run) -> None:
    create(scurry, "default", "default-namespace")
    create(scurry, "test", "test-namespace")

    result = scurry("flink", "environment", "list", "-o", "json")

    listed = json.loads(result.out)
    assert [e["name"] for e in listed] == ["default", "test"]
    assert_same_shape(listed, golden("environment__list-json.golden"))


def test_empty_list(scurry: Run) -> None:
    assert scurry("flink", "environment", "list").out.strip() == "None found."
    assert json.loads(scurry("flink", "environment", "list", "-o", "json").out) == []


def test_delete_after_confirmation(scurry: Run) -> None:
    create(scurry, "default")
    create(scurry, "test")

    declined = scurry("flink", "environment", "delete", "default", stdin="n\n")
    accepted = scurry("flink", "environment", "delete", "default", "test", stdin="y\n")

    assert declined.code == 0
    assert declined.out == 'Are you sure you want to delete Flink environment "default"? (y/n): '
    assert accepted.out.endswith('Deleted Flink environments "default" and "test".\n')
    assert scurry("flink", "environment", "list").out.strip() == "None found."


def test_delete_checks_every_name_before_deleting_any(scurry: Run) -> None:
    create(scurry, "default")

    result = scurry("flink", "environment", "delete", "default", "non-existent", "--force")

    assert result.code == 1
    assert result.err == (
        'Error: Flink environment "non-existent" not found\n\n'
        "Suggestions:\n"
        "    List available Flink environments with `scurry flink environment list`.\n"
        "    Check that CMF is running and accessible.\n"
    )
    assert box_rows(scurry("flink", "environment", "describe", "default").out)["Name"] == "default"


def test_delete_without_an_answer_deletes_nothing(scurry: Run) -> None:
    create(scurry, "default")

    result = scurry("flink", "environment", "delete", "default", stdin="")

    assert result.code == 1
    assert "failed to read your confirmation" in result.err
    assert scurry("flink", "environment", "describe", "default").code == 0
