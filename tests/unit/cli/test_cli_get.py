"""`scurry get`: tables, wide, JSON/YAML (object and List), names, kinds, namespaces."""

from __future__ import annotations

import json

import pytest
import yaml
from clikit import LiveServer, Run, deployment, manifest, running_status, session_job, snapshot

from scurry.errors import InvalidInput, NotFound


@pytest.fixture
def populated(scurry: Run, live: LiveServer) -> LiveServer:
    docs = [
        deployment("basic", labels={"app": "web"}),
        deployment("batch"),
        deployment("other", namespace="team"),
        session_job("sj"),
        snapshot("snap"),
    ]
    assert scurry("apply", "-f", "-", stdin=manifest(*docs)).code == 0
    live.set_status("basic", running_status("a" * 32))
    live.set_status(
        "snap",
        {"state": "COMPLETED", "path": "file:///sp/1", "resultTimestamp": "2026-11-26T18:00:00Z"},
        plural="flinkstatesnapshots",
    )
    return live


def rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


def test_table_of_the_default_namespace(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdeployments")

    assert result.code == 0
    table = rows(result.out)
    assert table[0] == ["NAME", "JOB", "STATUS", "LIFECYCLE", "STATE", "AGE"]
    assert [row[0] for row in table[1:]] == ["basic", "batch"]
    assert table[1][1:3] == ["RUNNING", "STABLE"]
    assert table[1][3].endswith("s")


def test_wide_adds_deployment_details(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep", "basic", "-o", "wide")

    header, row = result.out.splitlines()
    for column in ("JM STATUS", "PARALLELISM", "TASKMANAGERS", "FLINK VERSION", "JOB ID"):
        assert column in header
    assert row.split()[4:] == ["READY", "2", "1", "2.3.0", "a" * 32]


def test_all_namespaces_adds_a_namespace_column(scurry: Run, populated: LiveServer) -> None:
    table = rows(scurry("get", "flinkdep", "-A").out)

    assert table[0][0] == "NAMESPACE"
    assert [row[:2] for row in table[1:]] == [
        ["default", "basic"],
        ["default", "batch"],
        ["team", "other"],
    ]


def test_namespace_option(scurry: Run, populated: LiveServer) -> None:
    table = rows(scurry("get", "flinkdep", "-n", "team").out)

    assert [row[0] for row in table[1:]] == ["other"]


def test_json_of_one_object_and_of_a_list(scurry: Run, populated: LiveServer) -> None:
    one = json.loads(scurry("get", "flinkdep", "basic", "-o", "json").out)
    many = json.loads(scurry("get", "flinkdep", "-o", "json").out)

    assert one["kind"] == "FlinkDeployment"
    assert one["status"]["jobStatus"]["state"] == "RUNNING"
    assert many["kind"] == "List"
    assert [item["metadata"]["name"] for item in many["items"]] == ["basic", "batch"]


def test_yaml(scurry: Run, populated: LiveServer) -> None:
    one = yaml.safe_load(scurry("get", "flinkdep/basic", "-o", "yaml").out)
    many = yaml.safe_load(scurry("get", "flinkdep", "-o", "yaml").out)

    assert one["metadata"]["name"] == "basic"
    assert len(many["items"]) == 2


def test_names(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep", "-o", "name")

    assert result.out == (
        "flinkdeployment.flink.apache.org/basic\nflinkdeployment.flink.apache.org/batch\n"
    )


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("flinkdep", "basic"),
        ("FlinkDeployment", "basic"),
        ("flinkdeployments.flink.apache.org", "basic"),
        ("sessionjob", "sj"),
        ("flinksessionjobs", "sj"),
        ("flinksnp", "snap"),
        ("flinkstatesnapshot", "snap"),
    ],
)
def test_every_kubectl_name_of_a_kind(
    scurry: Run, populated: LiveServer, kind: str, name: str
) -> None:
    result = scurry("get", kind, "-o", "name")

    assert result.code == 0
    assert result.out.splitlines()[0].endswith(f"/{name}")


def test_snapshot_columns(scurry: Run, populated: LiveServer) -> None:
    header, row = scurry("get", "flinksnp").out.splitlines()

    assert header.split()[:4] == ["NAME", "PATH", "RESULT", "TIMESTAMP"]
    assert "SNAPSHOT STATE" in header
    assert row.split()[:4] == ["snap", "file:///sp/1", "2026-11-26T18:00:00Z", "COMPLETED"]


def test_label_selector(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep", "-l", "app=web", "-o", "name")

    assert result.out == "flinkdeployment.flink.apache.org/basic\n"


def test_not_found_reads_as_kubectl(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep", "x")

    assert result.code == NotFound.exit_code
    assert result.out == ""
    assert result.err == (
        'Error from server (NotFound): flinkdeployments.flink.apache.org "x" not found\n'
    )


def test_an_empty_namespace(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep", "-n", "empty")

    assert (result.code, result.out) == (0, "")
    assert result.err == "No resources found in empty namespace.\n"


def test_unknown_kind(scurry: Run) -> None:
    result = scurry("get", "pods")

    assert result.code == NotFound.exit_code
    assert result.err.startswith('error: the server doesn\'t have a resource type "pods"')


def test_a_name_across_all_namespaces_is_refused(scurry: Run) -> None:
    result = scurry("get", "flinkdep", "basic", "-A")

    assert result.code == InvalidInput.exit_code
    assert "cannot be retrieved by name across all namespaces" in result.err


def test_several_named_objects_of_several_kinds(scurry: Run, populated: LiveServer) -> None:
    result = scurry("get", "flinkdep/basic", "sessionjob/sj")

    blocks = result.out.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines()[1].startswith("basic")
    assert blocks[1].splitlines()[1].startswith("sj")


def test_an_unknown_output_format_is_a_usage_error(scurry: Run) -> None:
    result = scurry("get", "flinkdep", "-o", "table")

    assert result.code == 2
    assert len(result.err.splitlines()) == 1
